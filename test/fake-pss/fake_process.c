/* Fake Toolhelp32 process listing, GetProcessHandleCount and RtlGetVersion: see fake_process.h.
 * Semantics (MSDN): CreateToolhelp32Snapshot returns INVALID_HANDLE_VALUE on failure; Process32FirstW/NextW need
 * dwSize = sizeof(PROCESSENTRY32W) (else ERROR_BAD_LENGTH) and end with FALSE + ERROR_NO_MORE_FILES; the snapshot
 * is closed with CloseHandle. A snapshot without TH32CS_SNAPPROCESS lists no process. */
#include "fake_process.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(offsetof(FAKE_PROCESSENTRY32W, th32DefaultHeapID) == 16, "PROCESSENTRY32W.th32DefaultHeapID");
_Static_assert(offsetof(FAKE_PROCESSENTRY32W, cntThreads) == 28, "PROCESSENTRY32W.cntThreads");
_Static_assert(offsetof(FAKE_PROCESSENTRY32W, szExeFile) == 44, "PROCESSENTRY32W.szExeFile");
_Static_assert(sizeof(FAKE_PROCESSENTRY32W) == 568, "PROCESSENTRY32W size");
_Static_assert(offsetof(FAKE_RTL_OSVERSIONINFOW, szCSDVersion) == 20 && sizeof(FAKE_RTL_OSVERSIONINFOW) == 276, "RTL_OSVERSIONINFOW");

#ifdef _WIN32
#define FAKE_PROCESS_EXPORTS                                                  \
  " -export:CreateToolhelp32Snapshot=FakeKernel32_CreateToolhelp32Snapshot"   \
  " -export:Process32FirstW=FakeKernel32_Process32FirstW"                     \
  " -export:Process32NextW=FakeKernel32_Process32NextW"                       \
  " -export:GetProcessHandleCount=FakeKernel32_GetProcessHandleCount"         \
  " -export:RtlGetVersion=FakeNtdll_RtlGetVersion"
__attribute__((section(".drectve"), used)) static const char fakeProcessExports[sizeof FAKE_PROCESS_EXPORTS - 1] = FAKE_PROCESS_EXPORTS;
#endif

#define INVALID_HANDLE_VALUE_ ((void *)(intptr_t)-1)
#define STATUS_INVALID_PARAMETER_ ((int32_t)0xC000000Du)

typedef struct {
  uint32_t processId, parentProcessId, threads, handles;
  int32_t priority;
  const uint16_t *exeFile;
} fake_process_t;

/* Two processes share an image name (in different case), one name is non-ASCII (with a surrogate pair). */
static const fake_process_t PROCESSES[] = {
    {0, 0, 8, 0, 0, (const uint16_t *)u"[System Process]"},
    {4, 0, 180, 0, 8, (const uint16_t *)u"System"},
    {612, 4, 9, 0, 8, (const uint16_t *)u"svchost.exe"},
    {808, 612, 14, 0, 8, (const uint16_t *)u"SvcHost.EXE"},
    {1000, 4, 60, 0, 8, (const uint16_t *)u"explorer.exe"},
    {4242, 1000, 2, 8, 8, (const uint16_t *)u"notepad.exe"},
    {31337, 4242, 40, 4000, 8, (const uint16_t *)u"app-😀.exe"},
    {5150, 1000, 3, 0, 4, (const uint16_t *)u"ドキュメント.exe"},
};
enum { PROCESS_COUNT = sizeof PROCESSES / sizeof PROCESSES[0] };

typedef struct toolhelp {
  struct toolhelp *next;
  uint32_t count; /* processes listed: PROCESS_COUNT, or 0 without TH32CS_SNAPPROCESS */
  uint32_t next_index;
} toolhelp_t;

static toolhelp_t *g_snapshots;
static uint32_t g_live, g_toolhelpError;

static void fail(uint32_t error) { *fakePssLastError() = error; }

static toolhelp_t *findSnapshot(void *h) {
  for (toolhelp_t *t = g_snapshots; t; t = t->next)
    if ((void *)t == h) return t;
  return NULL;
}

static int32_t closeSnapshot(void *h) {
  toolhelp_t *t = findSnapshot(h);
  if (!t) return 0;
  toolhelp_t **link = &g_snapshots;
  while (*link != t) link = &(*link)->next;
  *link = t->next;
  free(t);
  g_live--;
  return 1;
}

FAKE_API void *FAKE_WINAPI CreateToolhelp32Snapshot(uint32_t dwFlags, uint32_t th32ProcessID) {
  (void)th32ProcessID; /* only used for module and heap lists */
  fakePssSetForeignCloser(closeSnapshot);
  if (g_toolhelpError) {
    fail(g_toolhelpError);
    return INVALID_HANDLE_VALUE_;
  }
  toolhelp_t *t = (toolhelp_t *)malloc(sizeof *t);
  if (!t) {
    fail(FAKE_ERROR_NOT_ENOUGH_MEMORY);
    return INVALID_HANDLE_VALUE_;
  }
  t->count = (dwFlags & FAKE_TH32CS_SNAPPROCESS) ? PROCESS_COUNT : 0;
  t->next_index = 0;
  t->next = g_snapshots;
  g_snapshots = t;
  g_live++;
  return t;
}

static int32_t entryAt(toolhelp_t *t, FAKE_PROCESSENTRY32W *e) {
  if (e->dwSize != sizeof *e) {
    fail(FAKE_ERROR_BAD_LENGTH);
    return 0;
  }
  if (t->next_index >= t->count) {
    fail(FAKE_ERROR_NO_MORE_FILES);
    return 0;
  }
  const fake_process_t *p = &PROCESSES[t->next_index++];
  memset(e, 0, sizeof *e);
  e->dwSize = sizeof *e;
  e->th32ProcessID = p->processId;
  e->cntThreads = p->threads;
  e->th32ParentProcessID = p->parentProcessId;
  e->pcPriClassBase = p->priority;
  size_t n = 0;
  while (p->exeFile[n] && n < 259) n++;
  memcpy(e->szExeFile, p->exeFile, n * 2); /* NUL-terminated by the memset */
  return 1;
}

FAKE_API int32_t FAKE_WINAPI Process32FirstW(void *hSnapshot, FAKE_PROCESSENTRY32W *lppe) {
  toolhelp_t *t = findSnapshot(hSnapshot);
  if (!t || !lppe) {
    fail(t ? FAKE_ERROR_INVALID_PARAMETER : FAKE_ERROR_INVALID_HANDLE);
    return 0;
  }
  t->next_index = 0;
  return entryAt(t, lppe);
}

FAKE_API int32_t FAKE_WINAPI Process32NextW(void *hSnapshot, FAKE_PROCESSENTRY32W *lppe) {
  toolhelp_t *t = findSnapshot(hSnapshot);
  if (!t || !lppe) {
    fail(t ? FAKE_ERROR_INVALID_PARAMETER : FAKE_ERROR_INVALID_HANDLE);
    return 0;
  }
  return entryAt(t, lppe);
}

FAKE_API int32_t FAKE_WINAPI GetProcessHandleCount(void *hProcess, uint32_t *pdwHandleCount) {
  uint32_t pid = fakePssProcessIdOf(hProcess);
  for (size_t k = 0; pid && k < PROCESS_COUNT; k++) {
    if (PROCESSES[k].processId != pid) continue;
    if (!pdwHandleCount) break;
    *pdwHandleCount = PROCESSES[k].handles;
    return 1;
  }
  fail(pid ? FAKE_ERROR_INVALID_PARAMETER : FAKE_ERROR_INVALID_HANDLE);
  return 0;
}

FAKE_API int32_t FAKE_WINAPI RtlGetVersion(FAKE_RTL_OSVERSIONINFOW *v) {
  if (!v || (v->dwOSVersionInfoSize != sizeof *v && v->dwOSVersionInfoSize != 284 /* RTL_OSVERSIONINFOEXW */)) return STATUS_INVALID_PARAMETER_;
  v->dwMajorVersion = 10;
  v->dwMinorVersion = 0;
  v->dwBuildNumber = 22631;
  v->dwPlatformId = 2;
  memset(v->szCSDVersion, 0, sizeof v->szCSDVersion);
  return 0;
}

FAKE_API void FakeProcessSetToolhelpError(uint32_t error) { g_toolhelpError = error; }
FAKE_API uint32_t FakeProcessLiveToolhelpSnapshots(void) { return g_live; }
FAKE_API void FakeProcessReset(void) {
  while (g_snapshots) closeSnapshot(g_snapshots);
  g_toolhelpError = 0;
}
