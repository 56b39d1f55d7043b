/* A fake of the Windows Process Snapshotting API (processsnapshot.h) for tests: the ten functions with the
 * Windows x64 structure layouts (spec/abi/abi-x64.json), built as a Linux x86-64 .so (tests) or, with
 * x86_64-w64-mingw32-gcc, as a DLL (Wine). Structures use fixed-width types only, so any x86-64 compiler gives
 * Windows' layout: FILETIME is two uint32_t, WCHAR is uint16_t (never Linux's 4-byte wchar_t), pointers are 8.
 *
 * Fixtures and fault injection are chosen through the FakePss* control functions; their data is written out
 * in fake_pss.c (the test computes the same values independently). */
#ifndef FAKE_PSS_H
#define FAKE_PSS_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#define FAKE_API __declspec(dllexport)
#define FAKE_WINAPI __stdcall
/* In the DLL the kernel32 names cannot be defined as such: the mingw runtime imports GetLastError & co. from
 * kernel32 and the import library's stubs would clash at link time. They are compiled under these names and
 * exported under the Win32 ones (the -export directives at their definitions in fake_pss.c). */
#define OpenProcess FakeKernel32_OpenProcess
#define CloseHandle FakeKernel32_CloseHandle
#define GetCurrentProcess FakeKernel32_GetCurrentProcess
#define GetCurrentProcessId FakeKernel32_GetCurrentProcessId
#define GetLastError FakeKernel32_GetLastError
#define TerminateProcess FakeKernel32_TerminateProcess
#define WaitForSingleObject FakeKernel32_WaitForSingleObject
#define ReadProcessMemory FakeKernel32_ReadProcessMemory
#define IsWow64Process FakeKernel32_IsWow64Process
#define IsWow64Process2 FakeKernel32_IsWow64Process2
#else
#define FAKE_API __attribute__((visibility("default")))
#define FAKE_WINAPI
#endif

typedef uint32_t DWORD_;
typedef uint16_t WCHAR_;
typedef void *HPSS_;
typedef void *HPSSWALK_;

/* Win32 error codes the fake returns (pss-reference §5.12). */
enum {
  FAKE_ERROR_SUCCESS = 0,
  FAKE_ERROR_ACCESS_DENIED = 5,
  FAKE_ERROR_INVALID_HANDLE = 6,
  FAKE_ERROR_NOT_ENOUGH_MEMORY = 8,
  FAKE_ERROR_BAD_LENGTH = 24,
  FAKE_ERROR_NOT_SUPPORTED = 50,
  FAKE_ERROR_INVALID_PARAMETER = 87,
  FAKE_ERROR_MORE_DATA = 234,
  FAKE_ERROR_NO_MORE_ITEMS = 259,
  FAKE_ERROR_NOT_FOUND = 1168,
};

typedef struct {
  uint32_t dwLowDateTime;
  uint32_t dwHighDateTime;
} FAKE_FILETIME;

typedef struct {
  void *BaseAddress;
  void *AllocationBase;
  uint32_t AllocationProtect;
  uint16_t PartitionId;
  uintptr_t RegionSize;
  uint32_t State;
  uint32_t Protect;
  uint32_t Type;
} FAKE_MEMORY_BASIC_INFORMATION;

typedef struct {
  uint32_t ExitStatus;
  void *PebBaseAddress;
  uintptr_t AffinityMask;
  int32_t BasePriority;
  uint32_t ProcessId;
  uint32_t ParentProcessId;
  uint32_t Flags;
  FAKE_FILETIME CreateTime;
  FAKE_FILETIME ExitTime;
  FAKE_FILETIME KernelTime;
  FAKE_FILETIME UserTime;
  uint32_t PriorityClass;
  uintptr_t PeakVirtualSize;
  uintptr_t VirtualSize;
  uint32_t PageFaultCount;
  uintptr_t PeakWorkingSetSize;
  uintptr_t WorkingSetSize;
  uintptr_t QuotaPeakPagedPoolUsage;
  uintptr_t QuotaPagedPoolUsage;
  uintptr_t QuotaPeakNonPagedPoolUsage;
  uintptr_t QuotaNonPagedPoolUsage;
  uintptr_t PagefileUsage;
  uintptr_t PeakPagefileUsage;
  uintptr_t PrivateUsage;
  uint32_t ExecuteFlags;
  WCHAR_ ImageFileName[260];
} FAKE_PSS_PROCESS_INFORMATION;

typedef struct { void *VaCloneHandle; } FAKE_PSS_VA_CLONE_INFORMATION;
typedef struct { uint32_t AuxPagesCaptured; } FAKE_PSS_AUXILIARY_PAGES_INFORMATION;
typedef struct { uint32_t RegionCount; } FAKE_PSS_VA_SPACE_INFORMATION;
typedef struct { uint32_t HandlesCaptured; } FAKE_PSS_HANDLE_INFORMATION;
typedef struct { uint32_t ThreadsCaptured; uint32_t ContextLength; } FAKE_PSS_THREAD_INFORMATION;
typedef struct { void *SectionHandle; uint32_t Size; } FAKE_PSS_HANDLE_TRACE_INFORMATION;

typedef struct {
  uint64_t Counter[12]; /* TotalCycleCount … ThreadsWallClockPeriod, in header order */
} FAKE_PSS_PERFORMANCE_COUNTERS;

typedef struct {
  void *Address;
  FAKE_MEMORY_BASIC_INFORMATION BasicInformation;
  FAKE_FILETIME CaptureTime;
  void *PageContents;
  uint32_t PageSize;
} FAKE_PSS_AUXILIARY_PAGE_ENTRY;

typedef struct {
  void *BaseAddress;
  void *AllocationBase;
  uint32_t AllocationProtect;
  uintptr_t RegionSize;
  uint32_t State;
  uint32_t Protect;
  uint32_t Type;
  uint32_t TimeDateStamp;
  uint32_t SizeOfImage;
  void *ImageBase;
  uint32_t CheckSum;
  uint16_t MappedFileNameLength;
  const WCHAR_ *MappedFileName;
} FAKE_PSS_VA_SPACE_ENTRY;

typedef struct {
  void *Handle;
  uint32_t Flags;
  uint32_t ObjectType;
  FAKE_FILETIME CaptureTime;
  uint32_t Attributes;
  uint32_t GrantedAccess;
  uint32_t HandleCount;
  uint32_t PointerCount;
  uint32_t PagedPoolCharge;
  uint32_t NonPagedPoolCharge;
  FAKE_FILETIME CreationTime;
  uint16_t TypeNameLength;
  const WCHAR_ *TypeName;
  uint16_t ObjectNameLength;
  const WCHAR_ *ObjectName;
  union {
    struct {
      uint32_t ExitStatus;
      void *PebBaseAddress;
      uintptr_t AffinityMask;
      int32_t BasePriority;
      uint32_t ProcessId;
      uint32_t ParentProcessId;
      uint32_t Flags;
    } Process;
    struct {
      uint32_t ExitStatus;
      void *TebBaseAddress;
      uint32_t ProcessId;
      uint32_t ThreadId;
      uintptr_t AffinityMask;
      int32_t Priority;
      int32_t BasePriority;
      void *Win32StartAddress;
    } Thread;
    struct {
      int32_t CurrentCount;
      int32_t Abandoned;
      uint32_t OwnerProcessId;
      uint32_t OwnerThreadId;
    } Mutant;
    struct {
      int32_t ManualReset;
      int32_t Signaled;
    } Event;
    struct {
      void *BaseAddress;
      uint32_t AllocationAttributes;
      int64_t MaximumSize; /* LARGE_INTEGER */
    } Section;
    struct {
      int32_t CurrentCount;
      int32_t MaximumCount;
    } Semaphore;
  } TypeSpecificInformation;
} FAKE_PSS_HANDLE_ENTRY;

typedef struct {
  uint32_t ExitStatus;
  void *TebBaseAddress;
  uint32_t ProcessId;
  uint32_t ThreadId;
  uintptr_t AffinityMask;
  int32_t Priority;
  int32_t BasePriority;
  void *LastSyscallFirstArgument;
  uint16_t LastSyscallNumber;
  FAKE_FILETIME CreateTime;
  FAKE_FILETIME ExitTime;
  FAKE_FILETIME KernelTime;
  FAKE_FILETIME UserTime;
  void *Win32StartAddress;
  FAKE_FILETIME CaptureTime;
  uint32_t Flags;
  uint16_t SuspendCount;
  uint16_t SizeOfContextRecord;
  void *ContextRecord;
} FAKE_PSS_THREAD_ENTRY;

typedef struct {
  void *Context;
  void *(FAKE_WINAPI *AllocRoutine)(void *Context, uint32_t Size);
  void (FAKE_WINAPI *FreeRoutine)(void *Context, void *Address);
} FAKE_PSS_ALLOCATOR;

/* The ten PSS functions. */
FAKE_API DWORD_ FAKE_WINAPI PssCaptureSnapshot(void *ProcessHandle, uint32_t CaptureFlags, DWORD_ ThreadContextFlags, HPSS_ *SnapshotHandle);
FAKE_API DWORD_ FAKE_WINAPI PssDuplicateSnapshot(void *SourceProcessHandle, HPSS_ SnapshotHandle, void *TargetProcessHandle, HPSS_ *TargetSnapshotHandle, uint32_t Flags);
FAKE_API DWORD_ FAKE_WINAPI PssFreeSnapshot(void *ProcessHandle, HPSS_ SnapshotHandle);
FAKE_API DWORD_ FAKE_WINAPI PssQuerySnapshot(HPSS_ SnapshotHandle, uint32_t InformationClass, void *Buffer, DWORD_ BufferLength);
FAKE_API DWORD_ FAKE_WINAPI PssWalkSnapshot(HPSS_ SnapshotHandle, uint32_t InformationClass, HPSSWALK_ WalkMarkerHandle, void *Buffer, DWORD_ BufferLength);
FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerCreate(const FAKE_PSS_ALLOCATOR *Allocator, HPSSWALK_ *WalkMarkerHandle);
FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerFree(HPSSWALK_ WalkMarkerHandle);
FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerGetPosition(HPSSWALK_ WalkMarkerHandle, uintptr_t *Position);
FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerSetPosition(HPSSWALK_ WalkMarkerHandle, uintptr_t Position);
FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerSeekToBeginning(HPSSWALK_ WalkMarkerHandle);

/* The kernel32 process calls the capture pipeline makes around PSS (same WINAPI convention). Known pids are the
 * fixtures' (4242, 31337); a handle remembers the pid's fixture and the access it was opened with, and
 * PssCaptureSnapshot checks that access against the flags (pss-reference §5.2). GetCurrentProcess returns the
 * pseudo handle -1 (full access, the selected fixture); GetCurrentProcessId the selected fixture's pid. Failures
 * return NULL/FALSE and set the value GetLastError returns. */
FAKE_API void *FAKE_WINAPI OpenProcess(uint32_t DesiredAccess, int32_t InheritHandle, uint32_t ProcessId);
FAKE_API int32_t FAKE_WINAPI CloseHandle(void *Object);
FAKE_API void *FAKE_WINAPI GetCurrentProcess(void);
FAKE_API uint32_t FAKE_WINAPI GetCurrentProcessId(void);
FAKE_API uint32_t FAKE_WINAPI GetLastError(void);
/* The VA clone's handle (PSS_QUERY_VA_CLONE_INFORMATION) is a process handle of this table with full access; the
 * clone is a tracked process that lives until TerminateProcess, whatever happens to the snapshot or the handle
 * (ownership is undocumented: the fake never ends it for the caller). TerminateProcess ends only clones (the
 * fixtures answer ERROR_ACCESS_DENIED). WaitForSingleObject on a process handle: WAIT_OBJECT_0 (0) once it ended,
 * else WAIT_TIMEOUT (258) at once (the fake does not sleep). */
FAKE_API int32_t FAKE_WINAPI TerminateProcess(void *Process, uint32_t ExitCode);
FAKE_API uint32_t FAKE_WINAPI WaitForSingleObject(void *Handle, uint32_t Milliseconds);
/* ReadProcessMemory, served by VA clones only (issue 15: pssnap reads memory from the clone, never from the
 * target): its memory is every committed region of the fixture's VA space and the thread stacks at
 * [FAKE_STACKS_BASE, FAKE_STACKS_END), each byte FAKE_MEMORY_BYTE(address). Elsewhere, or past the end of those,
 * ERROR_PARTIAL_COPY (299) with *NumberOfBytesRead the bytes read before it; a fixture's (non-clone) handle gets
 * ERROR_ACCESS_DENIED, an ended clone ERROR_INVALID_HANDLE. */
#define FAKE_STACKS_BASE 0xC000000000ull
#define FAKE_STACKS_END 0xC000200000ull
#define FAKE_MEMORY_BYTE(a) ((uint8_t)(((a) >> 3) ^ ((a) * 131u) ^ 0x5Au))
FAKE_API int32_t FAKE_WINAPI ReadProcessMemory(void *Process, const void *BaseAddress, void *Buffer, size_t Size, size_t *NumberOfBytesRead);
/* The machine of a process and of the OS (IMAGE_FILE_MACHINE_*): the WOW64 fixture is an I386 process; the
 * caller (the pseudo handle) follows FakePssSetCallerArchitecture; the native machine is FakePssSetNativeMachine's
 * (AMD64 by default). IsWow64Process2 answers UNKNOWN (0) for a process that is not under WOW64, as Windows does. */
FAKE_API int32_t FAKE_WINAPI IsWow64Process(void *Process, int32_t *Wow64Process);
FAKE_API int32_t FAKE_WINAPI IsWow64Process2(void *Process, uint16_t *ProcessMachine, uint16_t *NativeMachine);

/* Control functions for tests (plain C convention). */
/* 1 = small, 2 = large (thousands of handles, non-ASCII names, aux pages with a VA clone); anything else → 87, fixture unchanged. */
FAKE_API uint32_t FakePssSetFixture(int32_t id);
/* Every later PssCaptureSnapshot fails with `error` (0 = none), e.g. ERROR_ACCESS_DENIED. */
FAKE_API void FakePssSetCaptureError(uint32_t error);
/* Query classes (bit n = class n) that answer ERROR_NOT_FOUND even when captured. */
FAKE_API void FakePssSetMissingQueryClasses(uint32_t mask);
/* PssWalkSnapshot of `walkClass` returns `error` once `afterEntries` entries were read (error 0 = none). */
FAKE_API void FakePssSetWalkFault(uint32_t walkClass, uint32_t afterEntries, uint32_t error);
/* Allocation failures (ERROR_NOT_ENOUGH_MEMORY), bits: 1 capture, 2 duplicate, 4 marker create, 8 walk. */
FAKE_API void FakePssSetAllocFailure(uint32_t mask);
/* Every later OpenProcess fails with `error` (0 = none), e.g. ERROR_ACCESS_DENIED; unknown pids always fail with
 * ERROR_INVALID_PARAMETER, as Windows answers for a pid that does not exist. */
FAKE_API void FakePssSetOpenProcessError(uint32_t error);
/* DesiredAccess of the last OpenProcess call (0 when none since the last reset). */
FAKE_API uint32_t FakePssLastOpenAccess(void);
FAKE_API uint32_t FakePssLiveProcessHandles(void);
FAKE_API uint32_t FakePssLiveSnapshots(void);
FAKE_API uint32_t FakePssLiveMarkers(void);
/* Calls `first` … `first + count - 1` (1-based, counted since the last reset) of the named function (one of the ten
 * PSS functions, OpenProcess, CloseHandle, TerminateProcess) fail with `error`. Every call but a release fails with
 * no other effect: nothing is created or advanced. A release (PssFreeSnapshot, PssWalkMarkerFree, CloseHandle)
 * fails after part of its work, as a real free can: the object is gone, so releasing it again is a double release
 * (FakePssDoubleReleases). OpenProcess, CloseHandle and TerminateProcess set GetLastError's value. count 0 clears.
 * An unknown name → 87. */
FAKE_API uint32_t FakePssFailCalls(const char *name, uint32_t first, uint32_t count, uint32_t error);
/* Calls of the named function since the last reset (0xFFFFFFFF for an unknown name). */
FAKE_API uint32_t FakePssCallCount(const char *name);
/* VA clone processes not yet terminated (they outlive their snapshot and their handle). */
FAKE_API uint32_t FakePssLiveClones(void);
/* Releases of an object already released (PssFreeSnapshot, PssWalkMarkerFree, CloseHandle), since the last reset:
 * Windows' undefined behaviour, counted here and answered ERROR_INVALID_HANDLE. */
FAKE_API uint32_t FakePssDoubleReleases(void);
/* The CONTEXT format of the caller the fake answers as: 0 x64 (1232 bytes; with PSS_CAPTURE_THREAD_CONTEXT_EXTENDED
 * and CONTEXT_XSTATE an XSTATE area follows), 1 x86 (716), 2 arm64 (912); anything else → 87. ThreadContextFlags
 * naming another architecture (its CONTEXT_<arch> bit) are refused with ERROR_INVALID_PARAMETER. */
FAKE_API uint32_t FakePssSetCallerArchitecture(uint32_t arch);
/* The OS's native machine (IMAGE_FILE_MACHINE_AMD64 0x8664 by default, ARM64 0xAA64). */
FAKE_API void FakePssSetNativeMachine(uint32_t machine);
/* Call `nth` (1-based, since the last reset) of the named function blocks, before any effect, until
 * FakePssReleaseHangs (nth 0 clears). The environment variable PSSNAP_FAKE_PSS_HANG=<name> makes the first call of
 * <name> block, for tests that drive the CLI in a child process. An unknown name → 87. */
FAKE_API uint32_t FakePssHangCall(const char *name, uint32_t nth);
/* 1 while a call is blocked by FakePssHangCall. */
FAKE_API uint32_t FakePssHanging(void);
/* Lets every blocked call go on (and clears the hang). */
FAKE_API void FakePssReleaseHangs(void);
/* Frees whatever is still live (process handles and clones included), clears every fault, selects fixture 1. */
FAKE_API void FakePssReset(void);

#endif
