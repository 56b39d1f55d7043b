/* Fake per-process counters for `pssnap watch` conditions on Windows: psapi's K32GetProcessMemoryInfo
 * (PROCESS_MEMORY_COUNTERS_EX: PrivateUsage, WorkingSetSize) and kernel32's GetProcessTimes, exported from the
 * same library as the fake PSS functions (fake_pss.h), on the process handles its OpenProcess returns.
 *
 * Semantics and strictness as MSDN documents them: a handle that is not an open process handle fails with
 * ERROR_INVALID_HANDLE; a handle without the documented rights fails with ERROR_ACCESS_DENIED
 * (K32GetProcessMemoryInfo: PROCESS_QUERY_INFORMATION or PROCESS_QUERY_LIMITED_INFORMATION, and PROCESS_VM_READ;
 * GetProcessTimes: PROCESS_QUERY_INFORMATION or PROCESS_QUERY_LIMITED_INFORMATION); a NULL output fails with
 * ERROR_NOACCESS (the kernel's answer to an unwritable buffer); cb below sizeof(PROCESS_MEMORY_COUNTERS) fails with
 * ERROR_INSUFFICIENT_BUFFER, cb of PROCESS_MEMORY_COUNTERS fills that much (cb written back), cb of the _EX form
 * or more fills the _EX form. Every failure returns FALSE and sets GetLastError.
 *
 * Values: the notepad fixture (pid 4242) leaks on a schedule: each K32GetProcessMemoryInfo of it reports 1 MiB
 * more private bytes and working set than the previous one (from 8 MiB and 12 MiB); its CPU times stay at 0.5 s
 * kernel + 1.5 s user (idle). The app fixture (31337) keeps 64 MiB private, 80 MiB working set and burns one
 * core: its kernel + user time grows with the monotonic clock from the library's first call (10 % kernel). */
#ifndef FAKE_COUNTERS_H
#define FAKE_COUNTERS_H

#include "fake_pss.h"

#ifdef _WIN32
#define K32GetProcessMemoryInfo FakeKernel32_K32GetProcessMemoryInfo
#define GetProcessTimes FakeKernel32_GetProcessTimes
#endif

enum { FAKE_ERROR_INSUFFICIENT_BUFFER = 122, FAKE_ERROR_NOACCESS = 998 };

typedef struct {
  uint32_t cb;
  uint32_t PageFaultCount;
  uintptr_t PeakWorkingSetSize;
  uintptr_t WorkingSetSize;
  uintptr_t QuotaPeakPagedPoolUsage;
  uintptr_t QuotaPagedPoolUsage;
  uintptr_t QuotaPeakNonPagedPoolUsage;
  uintptr_t QuotaNonPagedPoolUsage;
  uintptr_t PagefileUsage;
  uintptr_t PeakPagefileUsage;
  uintptr_t PrivateUsage; /* _EX only */
} FAKE_PROCESS_MEMORY_COUNTERS_EX;

FAKE_API int32_t FAKE_WINAPI K32GetProcessMemoryInfo(void *Process, FAKE_PROCESS_MEMORY_COUNTERS_EX *ppsmemCounters, uint32_t cb);
FAKE_API int32_t FAKE_WINAPI GetProcessTimes(void *hProcess, FAKE_FILETIME *lpCreationTime, FAKE_FILETIME *lpExitTime, FAKE_FILETIME *lpKernelTime, FAKE_FILETIME *lpUserTime);

/* Control (plain C convention): calls of K32GetProcessMemoryInfo made so far, and a reset of the leak. */
FAKE_API uint32_t FakeCountersMemoryCalls(void);
FAKE_API void FakeCountersReset(void);

/* From fake_pss.c (same library): its GetLastError slot, the pid behind a process handle and the rights it was
 * opened with. */
uint32_t *fakePssLastError(void);
uint32_t fakePssProcessIdOf(void *handle);
uint32_t fakePssAccessOf(void *handle);

#endif
