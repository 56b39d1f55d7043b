/* Fake K32GetProcessMemoryInfo and GetProcessTimes: see fake_counters.h for the semantics. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "fake_counters.h"

#include <string.h>
#include <time.h>

/* PROCESS_MEMORY_COUNTERS is the _EX form without PrivateUsage: 72 bytes on x64, 40 on x86. */
#define PMC_SIZE offsetof(FAKE_PROCESS_MEMORY_COUNTERS_EX, PrivateUsage)
_Static_assert(sizeof(void *) != 8 || (PMC_SIZE == 72 && sizeof(FAKE_PROCESS_MEMORY_COUNTERS_EX) == 80), "PROCESS_MEMORY_COUNTERS(_EX) x64");
_Static_assert(sizeof(FAKE_FILETIME) == 8, "FILETIME");

#ifdef _WIN32
#define FAKE_COUNTERS_EXPORTS                                                \
  " -export:K32GetProcessMemoryInfo=FakeKernel32_K32GetProcessMemoryInfo"    \
  " -export:GetProcessTimes=FakeKernel32_GetProcessTimes"
__attribute__((section(".drectve"), used)) static const char fakeCountersExports[sizeof FAKE_COUNTERS_EXPORTS - 1] = FAKE_COUNTERS_EXPORTS;
__declspec(dllimport) unsigned long long __stdcall GetTickCount64(void);
#endif

#define PROCESS_VM_READ_ 0x10u
#define PROCESS_QUERY_INFORMATION_ 0x400u
#define PROCESS_QUERY_LIMITED_INFORMATION_ 0x1000u
#define MIB (1024ull * 1024ull)
#define TICKS_PER_SECOND 10000000ull

static uint32_t g_memoryCalls, g_leakCalls;
static unsigned long long g_startMs;
static int g_started;

static unsigned long long nowMs(void) {
#ifdef _WIN32
  return GetTickCount64();
#else
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (unsigned long long)t.tv_sec * 1000ull + (unsigned long long)t.tv_nsec / 1000000ull;
#endif
}

static int32_t fail(uint32_t error) {
  *fakePssLastError() = error;
  return 0;
}

/* The pid behind an open process handle with the rights asked, or 0 with GetLastError set. */
static uint32_t openedWith(void *handle, uint32_t anyOf, uint32_t allOf) {
  uint32_t pid = fakePssProcessIdOf(handle);
  if (!pid) return fail(FAKE_ERROR_INVALID_HANDLE), 0;
  uint32_t access = fakePssAccessOf(handle);
  if (!(access & anyOf) || (access & allOf) != allOf) return fail(FAKE_ERROR_ACCESS_DENIED), 0;
  return pid;
}

FAKE_API int32_t FAKE_WINAPI K32GetProcessMemoryInfo(void *Process, FAKE_PROCESS_MEMORY_COUNTERS_EX *ppsmemCounters, uint32_t cb) {
  g_memoryCalls++;
  uint32_t pid = openedWith(Process, PROCESS_QUERY_INFORMATION_ | PROCESS_QUERY_LIMITED_INFORMATION_, PROCESS_VM_READ_);
  if (!pid) return 0;
  if (!ppsmemCounters) return fail(FAKE_ERROR_NOACCESS);
  if (cb < PMC_SIZE) return fail(FAKE_ERROR_INSUFFICIENT_BUFFER);
  FAKE_PROCESS_MEMORY_COUNTERS_EX c;
  memset(&c, 0, sizeof c);
  if (pid == 4242) {
    unsigned long long n = g_leakCalls++;
    c.WorkingSetSize = (uintptr_t)((12 + n) * MIB);
    c.PrivateUsage = (uintptr_t)((8 + n) * MIB);
  } else {
    c.WorkingSetSize = (uintptr_t)(80 * MIB);
    c.PrivateUsage = (uintptr_t)(64 * MIB);
  }
  c.PeakWorkingSetSize = c.WorkingSetSize;
  c.PagefileUsage = c.PrivateUsage; /* Windows reports the commit charge in both */
  c.PeakPagefileUsage = c.PrivateUsage;
  c.PageFaultCount = 1000;
  c.cb = cb >= sizeof c ? (uint32_t)sizeof c : (uint32_t)PMC_SIZE;
  memcpy(ppsmemCounters, &c, c.cb);
  return 1;
}

static FAKE_FILETIME filetimeOf(unsigned long long ticks) {
  FAKE_FILETIME f = {(uint32_t)ticks, (uint32_t)(ticks >> 32)};
  return f;
}

FAKE_API int32_t FAKE_WINAPI GetProcessTimes(void *hProcess, FAKE_FILETIME *lpCreationTime, FAKE_FILETIME *lpExitTime, FAKE_FILETIME *lpKernelTime, FAKE_FILETIME *lpUserTime) {
  if (!g_started) {
    g_started = 1;
    g_startMs = nowMs();
  }
  uint32_t pid = openedWith(hProcess, PROCESS_QUERY_INFORMATION_ | PROCESS_QUERY_LIMITED_INFORMATION_, 0);
  if (!pid) return 0;
  if (!lpCreationTime || !lpExitTime || !lpKernelTime || !lpUserTime) return fail(FAKE_ERROR_NOACCESS);
  unsigned long long kernel = TICKS_PER_SECOND / 2, user = 3 * TICKS_PER_SECOND / 2;
  if (pid != 4242) {
    /* One core's worth of time since the first call: 10 % in the kernel. */
    unsigned long long busy = (nowMs() - g_startMs) * (TICKS_PER_SECOND / 1000);
    kernel += busy / 10;
    user += busy - busy / 10;
  }
  *lpCreationTime = filetimeOf(133000000000000000ull); /* 2022-06-17, as any past start */
  *lpExitTime = filetimeOf(0);                         /* still running */
  *lpKernelTime = filetimeOf(kernel);
  *lpUserTime = filetimeOf(user);
  return 1;
}

FAKE_API uint32_t FakeCountersMemoryCalls(void) { return g_memoryCalls; }
FAKE_API void FakeCountersReset(void) {
  g_memoryCalls = 0;
  g_leakCalls = 0;
}
