/* Fake process listing and OS version for the capture CLI's tests: Toolhelp32 (CreateToolhelp32Snapshot,
 * Process32FirstW/NextW), GetProcessHandleCount and ntdll's RtlGetVersion, exported from the same library as the
 * fake PSS functions (fake_pss.h) so the binding gets everything from one explicit library option.
 *
 * Structures use fixed-width types so any x86-64 compiler gives the Windows x64 layout; the offsets are checked
 * against mingw-w64's tlhelp32.h / winnt.h in test/win32-layout/process_structs.c. */
#ifndef FAKE_PROCESS_H
#define FAKE_PROCESS_H

#include "fake_pss.h"

#ifdef _WIN32
/* Compiled under other names and exported under the Win32 ones (see fake_pss.h and the directive in fake_process.c). */
#define CreateToolhelp32Snapshot FakeKernel32_CreateToolhelp32Snapshot
#define Process32FirstW FakeKernel32_Process32FirstW
#define Process32NextW FakeKernel32_Process32NextW
#define GetProcessHandleCount FakeKernel32_GetProcessHandleCount
#define RtlGetVersion FakeNtdll_RtlGetVersion
#endif

enum { FAKE_ERROR_NO_MORE_FILES = 18, FAKE_TH32CS_SNAPPROCESS = 0x2, FAKE_PROCESS_QUERY_LIMITED_INFORMATION = 0x1000 };

typedef struct {
  uint32_t dwSize;
  uint32_t cntUsage;
  uint32_t th32ProcessID;
  uintptr_t th32DefaultHeapID;
  uint32_t th32ModuleID;
  uint32_t cntThreads;
  uint32_t th32ParentProcessID;
  int32_t pcPriClassBase;
  uint32_t dwFlags;
  WCHAR_ szExeFile[260];
} FAKE_PROCESSENTRY32W;

typedef struct {
  uint32_t dwOSVersionInfoSize;
  uint32_t dwMajorVersion;
  uint32_t dwMinorVersion;
  uint32_t dwBuildNumber;
  uint32_t dwPlatformId;
  WCHAR_ szCSDVersion[128];
} FAKE_RTL_OSVERSIONINFOW;

/* The process table every snapshot lists (fake_process.c): pids 4242 and 31337 are the PSS fixtures' processes,
 * the only ones OpenProcess opens, so only they have a handle count. */
FAKE_API void *FAKE_WINAPI CreateToolhelp32Snapshot(uint32_t dwFlags, uint32_t th32ProcessID);
FAKE_API int32_t FAKE_WINAPI Process32FirstW(void *hSnapshot, FAKE_PROCESSENTRY32W *lppe);
FAKE_API int32_t FAKE_WINAPI Process32NextW(void *hSnapshot, FAKE_PROCESSENTRY32W *lppe);
FAKE_API int32_t FAKE_WINAPI GetProcessHandleCount(void *hProcess, uint32_t *pdwHandleCount);
/* Windows 11 23H2: 10.0.22631, platform 2 (VER_PLATFORM_WIN32_NT). Returns an NTSTATUS. */
FAKE_API int32_t FAKE_WINAPI RtlGetVersion(FAKE_RTL_OSVERSIONINFOW *lpVersionInformation);

/* Control functions for tests (plain C convention). */
/* Every later CreateToolhelp32Snapshot fails with `error` (0 = none). */
FAKE_API void FakeProcessSetToolhelpError(uint32_t error);
FAKE_API uint32_t FakeProcessLiveToolhelpSnapshots(void);
/* Frees live Toolhelp snapshots and clears the fault. */
FAKE_API void FakeProcessReset(void);

/* From fake_pss.c (same library): its GetLastError slot, the pid behind a process handle (0 for none), and the
 * closer CloseHandle hands handles it does not know. */
uint32_t *fakePssLastError(void);
uint32_t fakePssProcessIdOf(void *handle);
void fakePssSetForeignCloser(int32_t (*closer)(void *));

#endif
