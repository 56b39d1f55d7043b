/* Fake Process Snapshotting API: see fake_pss.h. Portable C11 (Linux gcc, mingw-w64).
 *
 * Semantics follow pss-reference.md §2 and §5; where Windows leaves a choice open the fake picks one and says so:
 * - The snapshot copies the fixture id, capture flags and context flags at capture time; entries are generated
 *   on demand from the formulas below, so changing the fixture later does not change a live snapshot.
 * - Which classes exist: process information always; VA clone and auxiliary pages with PSS_CAPTURE_VA_CLONE (see
 *   below); VA space with PSS_CAPTURE_VA_SPACE; handles, threads, handle trace with their flags; performance
 *   counters with PSS_CREATE_MEASURE_PERFORMANCE.
 * - A marker is one position index shared by every class it walks. A NULL-buffer probe does not advance it.
 * - Strings, contexts and page contents live in memory owned by the marker (through its allocator) only until the
 *   next PssWalkSnapshot call on that marker (any call, failed ones included): then they are overwritten with
 *   0xDD and freed. Windows documents them valid until PssWalkMarkerFree; the fake is stricter on purpose, so a
 *   reader that keeps a pointer past the next step reads poison and fails its test.
 * - Snapshot and marker handles are looked up in lists of live objects, so a bad or freed handle returns
 *   ERROR_INVALID_HANDLE instead of crashing (Windows: undefined behaviour on double free); a release of an
 *   object already released is also counted (FakePssDoubleReleases), and tests require zero.
 * - A release that fails (injected with FakePssFailCalls) fails after part of its work: the object is gone.
 * - Auxiliary pages exist only with PSS_CAPTURE_VA_CLONE: no public flag is documented to produce them, the fake
 *   ties them to the clone (its choice), so a caller that queries or walks them without that flag gets
 *   ERROR_NOT_FOUND.
 * - A VA clone is a tracked process: PSS_QUERY_VA_CLONE_INFORMATION gives a handle to it; it lives until
 *   TerminateProcess, even after PssFreeSnapshot and CloseHandle (FakePssLiveClones).
 * - PssFreeSnapshot through a handle to another process than the one the snapshot lives in: ERROR_NOT_SUPPORTED
 *   (the documented answer for a remote free of a snapshot without PSS_CREATE_USE_VM_ALLOCATIONS); a snapshot
 *   duplicated into another process is freed through a handle to that process only.
 * - PSS_DUPLICATE_CLOSE_SOURCE frees the source whatever the outcome, as documented ("even if duplication fails").
 * - Position tokens encode the marker's id; a token of another marker is ERROR_INVALID_PARAMETER.
 * - Process handles come from the fake's OpenProcess (or are GetCurrentProcess's pseudo handle -1). A capture
 *   through a handle uses the fixture of the handle's pid. Every call that takes a process handle checks it
 *   against REQUIRED_RIGHTS below, a table written from Microsoft's documentation of each function (not from
 *   pssnap's code); missing rights are ERROR_ACCESS_DENIED, as an under-privileged handle gets on Windows. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#endif
#include "fake_pss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
__declspec(dllimport) void __stdcall Sleep(unsigned long Milliseconds);
#else
#include <time.h>
#endif

/* ---- Layout proof: Windows x64 numbers from spec/abi/abi-x64.json ---- */
_Static_assert(sizeof(void *) == 8, "the fake implements the 64-bit (x64) layouts only");
_Static_assert(sizeof(WCHAR_) == 2, "WCHAR is 2 bytes");
_Static_assert(sizeof(FAKE_FILETIME) == 8 && _Alignof(FAKE_FILETIME) == 4, "FILETIME 8/4");
_Static_assert(sizeof(FAKE_MEMORY_BASIC_INFORMATION) == 48, "MBI size");
_Static_assert(offsetof(FAKE_MEMORY_BASIC_INFORMATION, PartitionId) == 20, "MBI.PartitionId");
_Static_assert(offsetof(FAKE_MEMORY_BASIC_INFORMATION, RegionSize) == 24, "MBI.RegionSize");
_Static_assert(offsetof(FAKE_MEMORY_BASIC_INFORMATION, Type) == 40, "MBI.Type");
_Static_assert(sizeof(FAKE_PSS_PROCESS_INFORMATION) == 704, "PSS_PROCESS_INFORMATION size");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, PebBaseAddress) == 8, "PebBaseAddress");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, CreateTime) == 40, "CreateTime");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, PriorityClass) == 72, "PriorityClass");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, PeakVirtualSize) == 80, "PeakVirtualSize");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, PageFaultCount) == 96, "PageFaultCount");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, PrivateUsage) == 168, "PrivateUsage");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, ExecuteFlags) == 176, "ExecuteFlags");
_Static_assert(offsetof(FAKE_PSS_PROCESS_INFORMATION, ImageFileName) == 180, "ImageFileName");
_Static_assert(sizeof(FAKE_PSS_VA_CLONE_INFORMATION) == 8, "VA clone size");
_Static_assert(sizeof(FAKE_PSS_AUXILIARY_PAGES_INFORMATION) == 4, "aux info size");
_Static_assert(sizeof(FAKE_PSS_VA_SPACE_INFORMATION) == 4, "VA info size");
_Static_assert(sizeof(FAKE_PSS_HANDLE_INFORMATION) == 4, "handle info size");
_Static_assert(sizeof(FAKE_PSS_THREAD_INFORMATION) == 8, "thread info size");
_Static_assert(sizeof(FAKE_PSS_HANDLE_TRACE_INFORMATION) == 16, "trace info size");
_Static_assert(offsetof(FAKE_PSS_HANDLE_TRACE_INFORMATION, Size) == 8, "trace Size");
_Static_assert(sizeof(FAKE_PSS_PERFORMANCE_COUNTERS) == 96, "perf counters size");
_Static_assert(sizeof(FAKE_PSS_AUXILIARY_PAGE_ENTRY) == 80, "aux entry size");
_Static_assert(offsetof(FAKE_PSS_AUXILIARY_PAGE_ENTRY, BasicInformation) == 8, "aux BasicInformation");
_Static_assert(offsetof(FAKE_PSS_AUXILIARY_PAGE_ENTRY, CaptureTime) == 56, "aux CaptureTime");
_Static_assert(offsetof(FAKE_PSS_AUXILIARY_PAGE_ENTRY, PageContents) == 64, "aux PageContents");
_Static_assert(offsetof(FAKE_PSS_AUXILIARY_PAGE_ENTRY, PageSize) == 72, "aux PageSize");
_Static_assert(sizeof(FAKE_PSS_VA_SPACE_ENTRY) == 80, "VA entry size");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, RegionSize) == 24, "VA RegionSize");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, TimeDateStamp) == 44, "VA TimeDateStamp");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, ImageBase) == 56, "VA ImageBase");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, CheckSum) == 64, "VA CheckSum");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, MappedFileNameLength) == 68, "VA MappedFileNameLength");
_Static_assert(offsetof(FAKE_PSS_VA_SPACE_ENTRY, MappedFileName) == 72, "VA MappedFileName");
_Static_assert(sizeof(FAKE_PSS_HANDLE_ENTRY) == 136 && _Alignof(FAKE_PSS_HANDLE_ENTRY) == 8, "handle entry 136/8");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, CaptureTime) == 16, "handle CaptureTime");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, CreationTime) == 48, "handle CreationTime");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeNameLength) == 56, "handle TypeNameLength");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeName) == 64, "handle TypeName");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, ObjectNameLength) == 72, "handle ObjectNameLength");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, ObjectName) == 80, "handle ObjectName");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation) == 88, "handle union");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Process.Flags) == 124, "Process.Flags");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Thread.AffinityMask) == 112, "Thread.AffinityMask");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Thread.Win32StartAddress) == 128, "Thread.Win32StartAddress");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Mutant.OwnerThreadId) == 100, "Mutant.OwnerThreadId");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Event.Signaled) == 92, "Event.Signaled");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Section.MaximumSize) == 104, "Section.MaximumSize");
_Static_assert(offsetof(FAKE_PSS_HANDLE_ENTRY, TypeSpecificInformation.Semaphore.MaximumCount) == 92, "Semaphore.MaximumCount");
_Static_assert(sizeof(FAKE_PSS_THREAD_ENTRY) == 120, "thread entry size");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, LastSyscallNumber) == 48, "thread LastSyscallNumber");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, CreateTime) == 52, "thread CreateTime (FILETIME is 4-aligned)");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, UserTime) == 76, "thread UserTime");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, Win32StartAddress) == 88, "thread Win32StartAddress");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, CaptureTime) == 96, "thread CaptureTime");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, Flags) == 104, "thread Flags");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, SuspendCount) == 108, "thread SuspendCount");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, SizeOfContextRecord) == 110, "thread SizeOfContextRecord");
_Static_assert(offsetof(FAKE_PSS_THREAD_ENTRY, ContextRecord) == 112, "thread ContextRecord");
_Static_assert(sizeof(FAKE_PSS_ALLOCATOR) == 24, "allocator size");

/* ---- Constants ---- */
#define CAPTURE_VA_CLONE 0x1u
#define CAPTURE_RESERVED_2 0x2u
#define CAPTURE_HANDLES 0x4u
#define CAPTURE_HANDLE_NAME 0x8u
#define CAPTURE_HANDLE_BASIC 0x10u
#define CAPTURE_HANDLE_TYPE_SPECIFIC 0x20u
#define CAPTURE_HANDLE_TRACE 0x40u
#define CAPTURE_THREADS 0x80u
#define CAPTURE_THREAD_CONTEXT 0x100u
#define CAPTURE_THREAD_CONTEXT_EXTENDED 0x200u
#define CAPTURE_RESERVED_400 0x400u
#define CAPTURE_VA_SPACE 0x800u
#define CAPTURE_VA_SPACE_SECTION 0x1000u
#define CREATE_USE_VM_ALLOCATIONS 0x20000000u
#define CREATE_MEASURE_PERFORMANCE 0x40000000u
#define DUPLICATE_CLOSE_SOURCE 0x1u

#define PROCESS_TERMINATE 0x1u
#define PROCESS_VM_OPERATION 0x8u
#define PROCESS_VM_READ 0x10u
#define PROCESS_VM_WRITE 0x20u
#define PROCESS_DUP_HANDLE 0x40u
#define PROCESS_CREATE_PROCESS 0x80u
#define PROCESS_QUERY_INFORMATION 0x400u
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000u
#define SYNCHRONIZE 0x100000u
#define PROCESS_ALL_ACCESS_ 0x1FFFFFu
#define PSEUDO_PROCESS ((void *)(intptr_t)-1)

#define MACHINE_UNKNOWN 0u
#define MACHINE_I386 0x14Cu
#define MACHINE_AMD64 0x8664u
#define MACHINE_ARM64 0xAA64u
#define WAIT_OBJECT_0_ 0u
#define WAIT_TIMEOUT_ 258u

/* CONTEXT of each caller architecture (spec/abi/abi-*.json): size, where ContextFlags, the stack pointer and the
 * program counter sit, and the CONTEXT_<arch> bit every ContextFlags value of that architecture carries. */
enum { ARCH_X64 = 0, ARCH_X86 = 1, ARCH_ARM64 = 2, ARCH_COUNT = 3 };
typedef struct {
  uint32_t size, offFlags, offSp, offPc, pointerBytes, archBit;
} context_layout_t;
static const context_layout_t CONTEXT_LAYOUTS[ARCH_COUNT] = {
    {1232, 48, 152, 248, 8, 0x00100000u}, /* x64: Rsp, Rip */
    {716, 0, 196, 184, 4, 0x00010000u},   /* x86: Esp, Eip */
    {912, 0, 256, 264, 8, 0x00400000u},   /* arm64: Sp, Pc */
};
/* x64 CONTEXT_XSTATE (CONTEXT_AMD64 | 0x40). With it and PSS_CAPTURE_THREAD_CONTEXT_EXTENDED the record is the
 * CONTEXT, a CONTEXT_EX (three {LONG Offset; DWORD Length} pairs: All, Legacy, XState) and, 64-aligned, an XSAVE
 * area (512 legacy + 64 header + 256 AVX bytes): 1232 + 24 + 24 padding + 832 = 2112 bytes. */
#define CONTEXT_X64_XSTATE 0x00100040u
#define CONTEXT_EX_OFFSET 1232u
#define XSAVE_OFFSET 1280u
#define XSAVE_BYTES 832u
#define CONTEXT_X64_XSTATE_SIZE (XSAVE_OFFSET + XSAVE_BYTES)
/* The record does not start at the start of its allocation (InitializeContext aligns inside a larger buffer):
 * bytes before it are 0xCC, so a copy from the wrong place is seen. */
#define CONTEXT_LEAD 32u
#define PAGE_BYTES 4096u
#define POISON 0xDD

#define BASE_TIME 133500000000000000ull    /* object/thread creation times */
#define CAPTURE_TIME 134000000000000000ull /* capture times */

enum { WALK_AUX = 0, WALK_VA = 1, WALK_HANDLES = 2, WALK_THREADS = 3, WALK_CLASSES = 4 };
enum { ALLOC_CAPTURE = 1, ALLOC_DUPLICATE = 2, ALLOC_MARKER = 4, ALLOC_WALK = 8 };

/* ---- Fixtures ---- */
typedef struct {
  uint32_t processId, parentProcessId, processFlags;
  uint64_t affinityMask;
  const uint16_t *imageFileName;
  uint32_t handles, threads, regions, auxPages;
  int nonAscii;
} fixture_t;

static const fixture_t FIXTURES[2] = {
    {4242, 1000, 0x0, 0xFFull, (const uint16_t *)u"C:\\Windows\\System32\\notepad.exe", 8, 2, 4, 0, 0},
    {31337, 4242, 0x12, 0xFFFFFFFFFFFFFFFFull, (const uint16_t *)u"C:\\Users\\Zoë\\ドキュメント\\app-😀.exe", 4000, 40, 300, 3, 1},
};

static const uint16_t *const TYPE_NAMES[8] = {
    (const uint16_t *)u"Process", (const uint16_t *)u"Thread",    (const uint16_t *)u"Mutant", (const uint16_t *)u"Event",
    (const uint16_t *)u"Section", (const uint16_t *)u"Semaphore", (const uint16_t *)u"File",   (const uint16_t *)u"Key",
};

/* ---- State ---- */
typedef struct clone {
  struct clone *next;
  int terminated;
} clone_t;

typedef struct process {
  struct process *next;
  int fixture;
  uint32_t access;
  clone_t *clone; /* a handle to a VA clone, else NULL */
} process_t;

typedef struct snapshot {
  struct snapshot *next;
  int fixture; /* index into FIXTURES */
  uint32_t captureFlags, contextFlags;
  int arch; /* the caller's CONTEXT format at capture time */
  uint32_t ownerPid; /* 0: lives in this process; else the pid it was duplicated into */
  void *cloneHandle; /* process_t of the VA clone's handle (PSS_QUERY_VA_CLONE_INFORMATION), or NULL */
} snapshot_t;

typedef struct block {
  struct block *next;
  uint64_t size; /* payload bytes (also keeps the payload 16-aligned) */
} block_t;

typedef struct marker {
  struct marker *next;
  uint32_t id;
  uint32_t position;
  FAKE_PSS_ALLOCATOR allocator;
  int hasAllocator;
  block_t *blocks; /* what the last walk call handed out: retired by the next one */
} marker_t;

static process_t *g_processes;
static clone_t *g_clones;
static uint32_t g_liveClones, g_doubleReleases, g_nativeMachine = MACHINE_AMD64;
static int g_callerArch = ARCH_X64;
static uint32_t g_liveProcesses, g_openProcessError, g_lastOpenAccess, g_lastError;
static int32_t (*g_foreignCloser)(void *); /* CloseHandle for handles of fake_process.c */
static snapshot_t *g_snapshots;
static marker_t *g_markers;
static uint32_t g_liveSnapshots, g_liveMarkers, g_nextMarkerId = 1;
static int g_fixture;
static uint32_t g_captureError, g_missingQueries, g_allocFailure;
static uint32_t g_walkFaultClass = 0xFFFFFFFFu, g_walkFaultAfter, g_walkFaultError;

/* Recently released handles, to tell a double release from a handle that never existed. An address that a new
 * object takes is forgotten (forgetReleased), so reuse by malloc is not mistaken for a double release. */
#define TOMBSTONES 256
static const void *g_released[TOMBSTONES];
static uint32_t g_releasedNext;

static void rememberReleased(const void *h) { g_released[g_releasedNext++ % TOMBSTONES] = h; }

static void forgetReleased(const void *h) {
  for (uint32_t k = 0; k < TOMBSTONES; k++)
    if (g_released[k] == h) g_released[k] = NULL;
}

/* A release of `h`, which is not live: counted when `h` was released before. */
static void noteBadRelease(const void *h) {
  for (uint32_t k = 0; h && k < TOMBSTONES; k++)
    if (g_released[k] == h) {
      g_doubleReleases++;
      return;
    }
}

static FAKE_FILETIME filetime(uint64_t v) {
  FAKE_FILETIME ft;
  ft.dwLowDateTime = (uint32_t)v;
  ft.dwHighDateTime = (uint32_t)(v >> 32);
  return ft;
}

static size_t u16len(const uint16_t *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* A small UTF-16 string builder (names are prefix + decimal + suffix). */
typedef struct {
  uint16_t text[256];
  size_t length;
} wbuf_t;

static void wappend(wbuf_t *b, const uint16_t *s) {
  size_t n = u16len(s);
  if (b->length + n > 255) n = 255 - b->length;
  memcpy(b->text + b->length, s, n * 2);
  b->length += n;
}

static void wappendDecimal(wbuf_t *b, uint32_t v) {
  uint16_t digits[12];
  size_t n = 0;
  do {
    digits[n++] = (uint16_t)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n && b->length < 255) b->text[b->length++] = digits[--n];
}

static snapshot_t *findSnapshot(HPSS_ h) {
  for (snapshot_t *s = g_snapshots; s; s = s->next)
    if ((void *)s == h) return s;
  return NULL;
}

static marker_t *findMarker(HPSSWALK_ h) {
  for (marker_t *m = g_markers; m; m = m->next)
    if ((void *)m == h) return m;
  return NULL;
}

/* Marker-owned memory: through the custom allocator when there is one. */
static void *markerRawAlloc(const FAKE_PSS_ALLOCATOR *a, int hasAllocator, size_t size) {
  if (hasAllocator) return a->AllocRoutine(a->Context, (uint32_t)size);
  return malloc(size);
}

static void markerRawFree(const FAKE_PSS_ALLOCATOR *a, int hasAllocator, void *p) {
  if (hasAllocator) a->FreeRoutine(a->Context, p);
  else free(p);
}

static void *markerAlloc(marker_t *m, size_t size) {
  if (g_allocFailure & ALLOC_WALK) return NULL;
  block_t *b = (block_t *)markerRawAlloc(&m->allocator, m->hasAllocator, sizeof(block_t) + size);
  if (!b) return NULL;
  b->size = size;
  b->next = m->blocks;
  m->blocks = b;
  return b + 1;
}

static const uint16_t *markerString(marker_t *m, const wbuf_t *b) {
  uint16_t *p = (uint16_t *)markerAlloc(m, b->length * 2 + 2);
  if (!p) return NULL;
  memcpy(p, b->text, b->length * 2);
  p[b->length] = 0xFFFF; /* not a terminator: readers must use the byte length */
  return p;
}

/* Detaches what the previous walk call handed out, overwritten with POISON; the caller frees it (freeBlocks) once
 * the new entry is built, so the new entry never reuses that memory and a stale pointer reads poison. */
static block_t *retireWalkData(marker_t *m) {
  block_t *old = m->blocks;
  for (block_t *b = old; b; b = b->next) memset(b + 1, POISON, (size_t)b->size);
  m->blocks = NULL;
  return old;
}

static void freeBlocks(marker_t *m, block_t *b) {
  while (b) {
    block_t *next = b->next;
    markerRawFree(&m->allocator, m->hasAllocator, b);
    b = next;
  }
}

static void freeMarker(marker_t *m) {
  marker_t **link = &g_markers;
  while (*link != m) link = &(*link)->next;
  *link = m->next;
  FAKE_PSS_ALLOCATOR a = m->allocator;
  int has = m->hasAllocator;
  for (block_t *b = m->blocks; b;) {
    block_t *next = b->next;
    markerRawFree(&a, has, b);
    b = next;
  }
  rememberReleased(m);
  markerRawFree(&a, has, m);
  g_liveMarkers--;
}

static void freeSnapshot(snapshot_t *s) {
  snapshot_t **link = &g_snapshots;
  while (*link != s) link = &(*link)->next;
  *link = s->next;
  rememberReleased(s);
  free(s);
  g_liveSnapshots--;
}

static snapshot_t *newSnapshot(int fixture, uint32_t captureFlags, uint32_t contextFlags, int arch, uint32_t ownerPid) {
  snapshot_t *s = (snapshot_t *)malloc(sizeof *s);
  if (!s) return NULL;
  forgetReleased(s);
  s->fixture = fixture;
  s->captureFlags = captureFlags;
  s->contextFlags = contextFlags;
  s->arch = arch;
  s->ownerPid = ownerPid;
  s->cloneHandle = NULL;
  s->next = g_snapshots;
  g_snapshots = s;
  g_liveSnapshots++;
  return s;
}

/* ---- Entry generators ---- */

static DWORD_ fillHandle(const snapshot_t *s, marker_t *m, uint32_t i, FAKE_PSS_HANDLE_ENTRY *e) {
  const fixture_t *fx = &FIXTURES[s->fixture];
  uint32_t cf = s->captureFlags;
  uint32_t k = i % 8;
  uint32_t objectType = k < 6 ? k + 1 : 0;
  int detail = (cf & (CAPTURE_HANDLE_NAME | CAPTURE_HANDLE_BASIC | CAPTURE_HANDLE_TYPE_SPECIFIC)) != 0;
  int named = i % 3 != 0;
  memset(e, 0, sizeof *e);
  e->Handle = (void *)(uintptr_t)(4u * (i + 1));
  e->CaptureTime = filetime(CAPTURE_TIME + i);
  if (detail) {
    wbuf_t t = {{0}, 0};
    wappend(&t, TYPE_NAMES[k]);
    e->Flags |= 0x1; /* PSS_HANDLE_HAVE_TYPE */
    e->ObjectType = objectType;
    e->TypeName = markerString(m, &t);
    if (!e->TypeName) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    e->TypeNameLength = (uint16_t)(t.length * 2);
  }
  if ((cf & CAPTURE_HANDLE_NAME) && named) {
    wbuf_t n = {{0}, 0};
    if (fx->nonAscii) {
      wappend(&n, (const uint16_t *)u"\\BaseNamedObjects\\Zoë-名前-");
      wappendDecimal(&n, i);
      if (i % 5 == 1) wappend(&n, (const uint16_t *)u"-😀");
    } else {
      wappend(&n, (const uint16_t *)u"\\BaseNamedObjects\\obj-");
      wappendDecimal(&n, i);
    }
    e->Flags |= 0x2; /* PSS_HANDLE_HAVE_NAME */
    e->ObjectName = markerString(m, &n);
    if (!e->ObjectName) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    e->ObjectNameLength = (uint16_t)(n.length * 2);
  }
  if (cf & CAPTURE_HANDLE_BASIC) {
    e->Flags |= 0x4; /* PSS_HANDLE_HAVE_BASIC_INFORMATION */
    e->Attributes = i % 4 == 0 ? 0x2u : 0u;
    e->GrantedAccess = 0x1F0000u | ((i * 7u) & 0xFFFFu);
    e->HandleCount = 1 + i % 5;
    e->PointerCount = 32768u + i % 7;
    e->PagedPoolCharge = 100 + i;
    e->NonPagedPoolCharge = 50 + i % 13;
    e->CreationTime = filetime(BASE_TIME + (uint64_t)i * 10000000u);
  }
  if ((cf & CAPTURE_HANDLE_TYPE_SPECIFIC) && objectType != 0) {
    e->Flags |= 0x8; /* PSS_HANDLE_HAVE_TYPE_SPECIFIC_INFORMATION */
    switch (objectType) {
      case 1:
        e->TypeSpecificInformation.Process.ExitStatus = 259;
        e->TypeSpecificInformation.Process.PebBaseAddress = (void *)(uintptr_t)(0x7FF600000000ull + i * 0x1000ull);
        e->TypeSpecificInformation.Process.AffinityMask = 0xF;
        e->TypeSpecificInformation.Process.BasePriority = 8;
        e->TypeSpecificInformation.Process.ProcessId = 1000 + i;
        e->TypeSpecificInformation.Process.ParentProcessId = 4;
        e->TypeSpecificInformation.Process.Flags = i % 2 ? 0x2u : 0u;
        break;
      case 2:
        e->TypeSpecificInformation.Thread.ExitStatus = 259;
        e->TypeSpecificInformation.Thread.TebBaseAddress = (void *)(uintptr_t)(0xC000000000ull + i * 0x2000ull);
        e->TypeSpecificInformation.Thread.ProcessId = fx->processId;
        e->TypeSpecificInformation.Thread.ThreadId = 5000 + i;
        e->TypeSpecificInformation.Thread.AffinityMask = (uintptr_t)0xFFFFFFFFFFFFFFFFull;
        e->TypeSpecificInformation.Thread.Priority = 10;
        e->TypeSpecificInformation.Thread.BasePriority = -2;
        e->TypeSpecificInformation.Thread.Win32StartAddress = (void *)(uintptr_t)(0x7FFA12340000ull + i);
        break;
      case 3:
        e->TypeSpecificInformation.Mutant.CurrentCount = i % 2 ? 1 : -1;
        e->TypeSpecificInformation.Mutant.Abandoned = i % 2 == 0;
        e->TypeSpecificInformation.Mutant.OwnerProcessId = fx->processId;
        e->TypeSpecificInformation.Mutant.OwnerThreadId = 6000 + i;
        break;
      case 4:
        e->TypeSpecificInformation.Event.ManualReset = (int32_t)(i % 2);
        e->TypeSpecificInformation.Event.Signaled = (int32_t)((i / 8) % 2);
        break;
      case 5:
        e->TypeSpecificInformation.Section.BaseAddress = (void *)(uintptr_t)(0x20000000ull + i * 0x10000ull);
        e->TypeSpecificInformation.Section.AllocationAttributes = 0x8000000;
        e->TypeSpecificInformation.Section.MaximumSize = (int64_t)(0x100000000ll + i);
        break;
      case 6:
        e->TypeSpecificInformation.Semaphore.CurrentCount = (int32_t)(i % 10);
        e->TypeSpecificInformation.Semaphore.MaximumCount = 10;
        break;
    }
  }
  return FAKE_ERROR_SUCCESS;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static int contextsCaptured(const snapshot_t *s) { return (s->captureFlags & (CAPTURE_THREAD_CONTEXT | CAPTURE_THREAD_CONTEXT_EXTENDED)) != 0; }

/* Bytes of one context record: the caller's CONTEXT, plus the XSTATE area for an extended x64 capture. */
static uint32_t contextSize(const snapshot_t *s) {
  if (!contextsCaptured(s)) return 0;
  if (s->arch == ARCH_X64 && (s->captureFlags & CAPTURE_THREAD_CONTEXT_EXTENDED) && (s->contextFlags & CONTEXT_X64_XSTATE) == CONTEXT_X64_XSTATE)
    return CONTEXT_X64_XSTATE_SIZE;
  return CONTEXT_LAYOUTS[s->arch].size;
}
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static DWORD_ fillThread(const snapshot_t *s, marker_t *m, uint32_t j, FAKE_PSS_THREAD_ENTRY *e) {
  const fixture_t *fx = &FIXTURES[s->fixture];
  int terminated = j == 1;
  memset(e, 0, sizeof *e);
  e->ExitStatus = terminated ? 0 : 259;
  e->TebBaseAddress = terminated ? NULL : (void *)(uintptr_t)(0xC000000000ull + j * 0x2000ull);
  e->ProcessId = fx->processId;
  e->ThreadId = 7000 + j * 4;
  e->AffinityMask = 0xFF;
  e->Priority = (int32_t)(8 + j % 3);
  e->BasePriority = j % 2 ? -1 : 0;
  e->LastSyscallFirstArgument = (void *)(uintptr_t)(0x1000u + j);
  e->LastSyscallNumber = (uint16_t)(0x1B + j);
  e->CreateTime = filetime(BASE_TIME + j * 1000ull);
  e->ExitTime = filetime(terminated ? BASE_TIME + 50000000ull : 0);
  e->KernelTime = filetime(156250ull * (j + 1));
  e->UserTime = filetime(312500ull * (j + 1));
  e->Win32StartAddress = (void *)(uintptr_t)(0x7FF700001000ull + j * 0x10ull);
  e->CaptureTime = filetime(CAPTURE_TIME + 100 + j);
  e->Flags = terminated ? 1u : 0u;
  e->SuspendCount = (uint16_t)(j % 3);
  if (contextsCaptured(s) && !terminated) {
    const context_layout_t *L = &CONTEXT_LAYOUTS[s->arch];
    uint32_t size = contextSize(s);
    uint8_t *block = (uint8_t *)markerAlloc(m, CONTEXT_LEAD + size);
    if (!block) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    memset(block, 0xCC, CONTEXT_LEAD);
    uint8_t *c = block + CONTEXT_LEAD;
    for (uint32_t k = 0; k < size; k++) c[k] = (uint8_t)(k * 7 + j);
    put32(c + L->offFlags, s->contextFlags);
    uint64_t sp = 0xC000100000ull + j * 0x1000ull, pc = 0x7FF700002000ull + j;
    if (L->pointerBytes == 4) {
      put32(c + L->offSp, (uint32_t)(0x00100000u + j * 0x1000u));
      put32(c + L->offPc, (uint32_t)(0x00401000u + j));
    } else {
      put64(c + L->offSp, sp);
      put64(c + L->offPc, pc);
    }
    if (size == CONTEXT_X64_XSTATE_SIZE) {
      /* CONTEXT_EX: offsets relative to the CONTEXT_EX itself (All and Legacy start at the CONTEXT). */
      put32(c + CONTEXT_EX_OFFSET + 0, (uint32_t)-(int32_t)CONTEXT_EX_OFFSET);
      put32(c + CONTEXT_EX_OFFSET + 4, size);
      put32(c + CONTEXT_EX_OFFSET + 8, (uint32_t)-(int32_t)CONTEXT_EX_OFFSET);
      put32(c + CONTEXT_EX_OFFSET + 12, CONTEXT_EX_OFFSET);
      put32(c + CONTEXT_EX_OFFSET + 16, XSAVE_OFFSET - CONTEXT_EX_OFFSET);
      put32(c + CONTEXT_EX_OFFSET + 20, XSAVE_BYTES);
      put64(c + XSAVE_OFFSET + 512, 0x7ull); /* XSTATE_BV: x87, SSE, AVX */
    }
    e->ContextRecord = c;
    e->SizeOfContextRecord = (uint16_t)size;
  }
  return FAKE_ERROR_SUCCESS;
}

static DWORD_ fillRegion(const snapshot_t *s, marker_t *m, uint32_t r, FAKE_PSS_VA_SPACE_ENTRY *e) {
  const fixture_t *fx = &FIXTURES[s->fixture];
  int section = (s->captureFlags & CAPTURE_VA_SPACE_SECTION) != 0;
  uint64_t base = 0x7FF600000000ull + r * 0x100000ull;
  memset(e, 0, sizeof *e);
  e->BaseAddress = (void *)(uintptr_t)base;
  e->RegionSize = 0x1000u * (1 + r % 16);
  e->State = 0x1000; /* MEM_COMMIT */
  wbuf_t n = {{0}, 0};
  switch (r % 4) {
    case 0: /* private */
      e->AllocationBase = e->BaseAddress;
      e->AllocationProtect = 0x04;
      e->Protect = 0x04;
      e->Type = 0x20000;
      break;
    case 1: /* image */
      e->AllocationBase = e->BaseAddress;
      e->AllocationProtect = 0x80;
      e->Protect = 0x20;
      e->Type = 0x1000000;
      if (section) {
        e->TimeDateStamp = 0x5F000000u + r;
        e->SizeOfImage = 0x20000u + r * 0x1000u;
        e->ImageBase = e->BaseAddress;
        e->CheckSum = 0xABC00u + r;
        wappend(&n, fx->nonAscii ? (const uint16_t *)u"\\Device\\HarddiskVolume3\\Programme\\Größe\\模块"
                                 : (const uint16_t *)u"\\Device\\HarddiskVolume3\\Windows\\System32\\mod");
        wappendDecimal(&n, r);
        wappend(&n, (const uint16_t *)u".dll");
      }
      break;
    case 2: /* mapped */
      e->AllocationBase = e->BaseAddress;
      e->AllocationProtect = 0x02;
      e->Protect = 0x02;
      e->Type = 0x40000;
      if (section) {
        wappend(&n, fx->nonAscii ? (const uint16_t *)u"\\Device\\HarddiskVolume3\\データ\\map"
                                 : (const uint16_t *)u"\\Device\\HarddiskVolume3\\data\\map");
        wappendDecimal(&n, r);
        wappend(&n, (const uint16_t *)u".bin");
      }
      break;
    default: /* free */
      e->State = 0x10000;
      e->Protect = 0x01;
      break;
  }
  if (n.length) {
    e->MappedFileName = markerString(m, &n);
    if (!e->MappedFileName) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    e->MappedFileNameLength = (uint16_t)(n.length * 2);
  }
  return FAKE_ERROR_SUCCESS;
}

static DWORD_ fillAuxPage(const snapshot_t *s, marker_t *m, uint32_t p, FAKE_PSS_AUXILIARY_PAGE_ENTRY *e) {
  (void)s;
  uint64_t address = 0x7FF610000000ull + p * 0x1000ull;
  memset(e, 0, sizeof *e);
  e->Address = (void *)(uintptr_t)address;
  e->BasicInformation.BaseAddress = (void *)(uintptr_t)address;
  e->BasicInformation.AllocationBase = (void *)(uintptr_t)0x7FF610000000ull;
  e->BasicInformation.AllocationProtect = 0x04;
  e->BasicInformation.PartitionId = (uint16_t)p;
  e->BasicInformation.RegionSize = 0x1000;
  e->BasicInformation.State = 0x1000;
  e->BasicInformation.Protect = 0x04;
  e->BasicInformation.Type = 0x20000;
  e->CaptureTime = filetime(CAPTURE_TIME + 200 + p);
  e->PageSize = PAGE_BYTES;
  if (p != 1) { /* page 1: contents not captured (NULL) */
    uint8_t *c = (uint8_t *)markerAlloc(m, PAGE_BYTES);
    if (!c) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    for (uint32_t k = 0; k < PAGE_BYTES; k++) c[k] = (uint8_t)(k + p * 3);
    e->PageContents = c;
  }
  return FAKE_ERROR_SUCCESS;
}

/* ---- Call faults: calls first … first+count-1 of one function fail (FakePssFailCalls) ---- */

enum { CALL_CAPTURE, CALL_DUPLICATE, CALL_FREE, CALL_QUERY, CALL_WALK, CALL_MARKER_CREATE, CALL_MARKER_FREE, CALL_GET_POSITION, CALL_SET_POSITION, CALL_SEEK, CALL_OPEN_PROCESS, CALL_CLOSE_HANDLE, CALL_TERMINATE, CALL_COUNT };
static const char *const CALL_NAMES[CALL_COUNT] = {
    "PssCaptureSnapshot",       "PssDuplicateSnapshot",     "PssFreeSnapshot",          "PssQuerySnapshot",
    "PssWalkSnapshot",          "PssWalkMarkerCreate",      "PssWalkMarkerFree",        "PssWalkMarkerGetPosition",
    "PssWalkMarkerSetPosition", "PssWalkMarkerSeekToBeginning", "OpenProcess",          "CloseHandle",
    "TerminateProcess",
};
static uint32_t g_callCounts[CALL_COUNT], g_faultCall = CALL_COUNT, g_faultFirst, g_faultCount, g_faultError;

static int callIndex(const char *name) {
  for (int k = 0; name && k < CALL_COUNT; k++)
    if (strcmp(CALL_NAMES[k], name) == 0) return k;
  return -1;
}

/* Hangs (FakePssHangCall): the blocked call runs on a thread of the caller's pool (koffi's asynchronous calls), the
 * test's thread releases it; the flags are atomics for that reason. */
static _Atomic uint32_t g_hangCall = CALL_COUNT, g_hangNth, g_hanging, g_hangGate = 1;
static int g_hangEnvRead, g_hangAnnounce;

static void sleepMs(unsigned ms) {
#ifdef _WIN32
  Sleep(ms);
#else
  struct timespec t = {0, (long)ms * 1000000L};
  nanosleep(&t, NULL);
#endif
}

static void hangFromEnvironment(void) {
  if (g_hangEnvRead) return;
  g_hangEnvRead = 1;
  const char *name = getenv("PSSNAP_FAKE_PSS_HANG");
  int call = callIndex(name);
  if (call < 0) return;
  g_hangGate = 0;
  g_hangNth = 1;
  g_hangCall = (uint32_t)call;
  g_hangAnnounce = 1; /* a child process: the test learns on stderr when the call is blocked */
}

/* Counts the call (and blocks it when a hang is set for it); returns the error it must fail with (0: none).
 * Checked before any effect of the call. */
static uint32_t callFault(int call) {
  hangFromEnvironment();
  uint32_t n = ++g_callCounts[call];
  if ((uint32_t)call == g_hangCall && n == g_hangNth) {
    g_hanging = 1;
    if (g_hangAnnounce) {
      fprintf(stderr, "fake-pss: %s is hanging\n", CALL_NAMES[call]);
      fflush(stderr);
    }
    while (!g_hangGate) sleepMs(1);
    g_hanging = 0;
  }
  return (uint32_t)call == g_faultCall && n >= g_faultFirst && n - g_faultFirst < g_faultCount ? g_faultError : 0;
}

/* ---- kernel32 process calls ---- */

static process_t *findProcess(void *h) {
  for (process_t *p = g_processes; p; p = p->next)
    if ((void *)p == h) return p;
  return NULL;
}

static void closeProcess(process_t *p) {
  process_t **link = &g_processes;
  while (*link != p) link = &(*link)->next;
  *link = p->next;
  rememberReleased(p);
  free(p);
  g_liveProcesses--;
}

static process_t *newProcessHandle(int fixture, uint32_t access, clone_t *clone) {
  process_t *p = (process_t *)malloc(sizeof *p);
  if (!p) return NULL;
  forgetReleased(p);
  p->fixture = fixture;
  p->access = access;
  p->clone = clone;
  p->next = g_processes;
  g_processes = p;
  g_liveProcesses++;
  return p;
}

/* ---- Access rights each call requires, from Microsoft's documentation ----
 * Written from learn.microsoft.com (PssCaptureSnapshot, PssDuplicateSnapshot, PssFreeSnapshot, the
 * PSS_CAPTURE_FLAGS page, IsWow64Process2, TerminateProcess, WaitForSingleObject) and pss-reference.md §5.2, which
 * cites them; entries marked [inf] are inferred there, the rest are the documents' words. Deliberately not
 * derived from pssnap's capture/windows/flags.ts: a right that pssnap forgets to ask for is refused here. */
typedef struct {
  int call;           /* CALL_* or one of the non-counted calls below */
  uint32_t flag;      /* PssCaptureSnapshot: a capture flag the row applies to (0: every capture) */
  uint32_t anyOf;     /* at least one of these rights (0: none needed) */
  uint32_t allOf;     /* every one of these rights */
  const char *source; /* where the row comes from */
} rights_row_t;

enum { CALL_DUPLICATE_TARGET = CALL_COUNT + 1, CALL_FREE_REMOTE, CALL_IS_WOW64, CALL_WAIT };
static const rights_row_t REQUIRED_RIGHTS[] = {
    /* "The handle must have PROCESS_VM_READ access ... when PSS_CAPTURE_VA_SPACE_SECTION_INFORMATION" */
    {CALL_CAPTURE, CAPTURE_VA_SPACE_SECTION, 0, PROCESS_VM_READ, "PSS_CAPTURE_FLAGS [doc]"},
    /* process information, threads and VA space are read through NtQueryInformationProcess & co. */
    {CALL_CAPTURE, 0, 0, PROCESS_QUERY_INFORMATION, "pss-reference 5.2 [inf]"},
    /* handles are duplicated into the caller to be inspected */
    {CALL_CAPTURE, CAPTURE_HANDLES, 0, PROCESS_DUP_HANDLE, "pss-reference 5.2 [inf]"},
    /* the clone is created as a forked child of the target */
    {CALL_CAPTURE, CAPTURE_VA_CLONE, 0, PROCESS_CREATE_PROCESS, "pss-reference 5.2 [inf]"},
    /* "SourceProcessHandle: ... must have PROCESS_VM_READ and PROCESS_DUP_HANDLE rights" */
    {CALL_DUPLICATE, 0, 0, PROCESS_VM_READ | PROCESS_DUP_HANDLE, "PssDuplicateSnapshot [doc]"},
    /* "TargetProcessHandle: ... PROCESS_VM_OPERATION, PROCESS_VM_WRITE, and PROCESS_DUP_HANDLE rights" */
    {CALL_DUPLICATE_TARGET, 0, 0, PROCESS_VM_OPERATION | PROCESS_VM_WRITE | PROCESS_DUP_HANDLE, "PssDuplicateSnapshot [doc]"},
    /* a snapshot in another process: "PROCESS_VM_READ, PROCESS_VM_OPERATION, and PROCESS_DUP_HANDLE rights" */
    {CALL_FREE_REMOTE, 0, 0, PROCESS_VM_READ | PROCESS_VM_OPERATION | PROCESS_DUP_HANDLE, "PssFreeSnapshot [doc]"},
    /* "PROCESS_QUERY_INFORMATION or PROCESS_QUERY_LIMITED_INFORMATION access right" */
    {CALL_IS_WOW64, 0, PROCESS_QUERY_INFORMATION | PROCESS_QUERY_LIMITED_INFORMATION, 0, "IsWow64Process2 [doc]"},
    /* "The handle must have the PROCESS_TERMINATE access right" */
    {CALL_TERMINATE, 0, 0, PROCESS_TERMINATE, "TerminateProcess [doc]"},
    /* "The handle must have the SYNCHRONIZE access right" */
    {CALL_WAIT, 0, 0, SYNCHRONIZE, "WaitForSingleObject [doc]"},
};

/* Whether a handle opened with `access` may make `call` (with `captureFlags` for PssCaptureSnapshot). The pseudo
 * handle of the current process has every right. */
static int hasRights(const void *handle, uint32_t access, int call, uint32_t captureFlags) {
  if (handle == PSEUDO_PROCESS) return 1;
  for (size_t k = 0; k < sizeof REQUIRED_RIGHTS / sizeof REQUIRED_RIGHTS[0]; k++) {
    const rights_row_t *r = &REQUIRED_RIGHTS[k];
    if (r->call != call || (r->flag && !(captureFlags & r->flag))) continue;
    if ((access & r->allOf) != r->allOf) return 0;
    if (r->anyOf && !(access & r->anyOf)) return 0;
  }
  return 1;
}

FAKE_API void *FAKE_WINAPI OpenProcess(uint32_t DesiredAccess, int32_t InheritHandle, uint32_t ProcessId) {
  (void)InheritHandle;
  g_lastOpenAccess = DesiredAccess;
  uint32_t fault = callFault(CALL_OPEN_PROCESS);
  if (fault) {
    g_lastError = fault;
    return NULL;
  }
  int fixture = -1;
  for (int k = 0; k < 2; k++)
    if (FIXTURES[k].processId == ProcessId) fixture = k;
  if (fixture < 0) {
    g_lastError = FAKE_ERROR_INVALID_PARAMETER;
    return NULL;
  }
  if (g_openProcessError) {
    g_lastError = g_openProcessError;
    return NULL;
  }
  process_t *p = newProcessHandle(fixture, DesiredAccess, NULL);
  if (!p) {
    g_lastError = FAKE_ERROR_NOT_ENOUGH_MEMORY;
    return NULL;
  }
  return p;
}

FAKE_API int32_t FAKE_WINAPI CloseHandle(void *Object) {
  uint32_t fault = callFault(CALL_CLOSE_HANDLE);
  if (Object == PSEUDO_PROCESS) return 1; /* closing the pseudo handle is a harmless no-op on Windows */
  process_t *p = findProcess(Object);
  if (!p) {
    if (g_foreignCloser && g_foreignCloser(Object)) return 1;
    noteBadRelease(Object);
    g_lastError = FAKE_ERROR_INVALID_HANDLE;
    return 0;
  }
  closeProcess(p);
  if (fault) {
    g_lastError = fault; /* failed after the handle was closed: closing it again is a double release */
    return 0;
  }
  return 1;
}

FAKE_API int32_t FAKE_WINAPI TerminateProcess(void *Process, uint32_t ExitCode) {
  (void)ExitCode;
  uint32_t fault = callFault(CALL_TERMINATE);
  if (fault) {
    g_lastError = fault;
    return 0;
  }
  process_t *p = Process == PSEUDO_PROCESS ? NULL : findProcess(Process);
  if (!p) {
    g_lastError = FAKE_ERROR_INVALID_HANDLE;
    return 0;
  }
  if (!hasRights(p, p->access, CALL_TERMINATE, 0) || !p->clone) { /* the fixtures are not pssnap's to end */
    g_lastError = FAKE_ERROR_ACCESS_DENIED;
    return 0;
  }
  if (!p->clone->terminated) {
    p->clone->terminated = 1;
    g_liveClones--;
  }
  return 1;
}

/* Whether the fixture's clone memory holds `a`: the stacks, or a committed region (fillRegion's layout). */
static int cloneReadable(const fixture_t *fx, uint64_t a) {
  if (a >= FAKE_STACKS_BASE && a < FAKE_STACKS_END) return 1;
  if (a < 0x7FF600000000ull) return 0;
  uint64_t r = (a - 0x7FF600000000ull) / 0x100000ull;
  if (r >= fx->regions || r % 4 == 3) return 0; /* past the last region, or a MEM_FREE one */
  return a - (0x7FF600000000ull + r * 0x100000ull) < 0x1000ull * (1 + r % 16);
}

FAKE_API int32_t FAKE_WINAPI ReadProcessMemory(void *Process, const void *BaseAddress, void *Buffer, size_t Size, size_t *NumberOfBytesRead) {
  if (NumberOfBytesRead) *NumberOfBytesRead = 0;
  process_t *p = Process == PSEUDO_PROCESS ? NULL : findProcess(Process);
  if (!p || (p->clone && p->clone->terminated)) {
    g_lastError = FAKE_ERROR_INVALID_HANDLE;
    return 0;
  }
  if (!p->clone || !(p->access & PROCESS_VM_READ)) {
    g_lastError = FAKE_ERROR_ACCESS_DENIED;
    return 0;
  }
  const fixture_t *fx = &FIXTURES[p->fixture];
  uint64_t a = (uint64_t)(uintptr_t)BaseAddress;
  size_t n = 0;
  while (n < Size && cloneReadable(fx, a + n)) {
    ((uint8_t *)Buffer)[n] = FAKE_MEMORY_BYTE(a + n);
    n++;
  }
  if (NumberOfBytesRead) *NumberOfBytesRead = n;
  if (n < Size) {
    g_lastError = 299; /* ERROR_PARTIAL_COPY */
    return 0;
  }
  return 1;
}

FAKE_API uint32_t FAKE_WINAPI WaitForSingleObject(void *Handle, uint32_t Milliseconds) {
  (void)Milliseconds;
  process_t *p = Handle == PSEUDO_PROCESS ? NULL : findProcess(Handle);
  if (!p || !hasRights(p, p->access, CALL_WAIT, 0)) {
    g_lastError = p ? FAKE_ERROR_ACCESS_DENIED : FAKE_ERROR_INVALID_HANDLE;
    return 0xFFFFFFFFu; /* WAIT_FAILED */
  }
  return p->clone && p->clone->terminated ? WAIT_OBJECT_0_ : WAIT_TIMEOUT_;
}

/* The machine a process runs as under WOW64, or MACHINE_UNKNOWN when it is not a WOW64 process. */
static uint32_t wow64MachineOf(const void *handle, const process_t *p) {
  if (handle == PSEUDO_PROCESS) return g_callerArch == ARCH_X86 && g_nativeMachine != MACHINE_I386 ? MACHINE_I386 : MACHINE_UNKNOWN;
  return (FIXTURES[p->fixture].processFlags & 0x2u) ? MACHINE_I386 : MACHINE_UNKNOWN;
}

static const process_t *wow64Target(void *Process) {
  if (Process == PSEUDO_PROCESS) return NULL;
  const process_t *p = findProcess(Process);
  if (!p) g_lastError = FAKE_ERROR_INVALID_HANDLE;
  else if (!hasRights(p, p->access, CALL_IS_WOW64, 0)) {
    g_lastError = FAKE_ERROR_ACCESS_DENIED;
    p = NULL;
  }
  return p;
}

FAKE_API int32_t FAKE_WINAPI IsWow64Process(void *Process, int32_t *Wow64Process) {
  const process_t *p = wow64Target(Process);
  if ((Process != PSEUDO_PROCESS && !p) || !Wow64Process) return 0;
  *Wow64Process = wow64MachineOf(Process, p) != MACHINE_UNKNOWN;
  return 1;
}

FAKE_API int32_t FAKE_WINAPI IsWow64Process2(void *Process, uint16_t *ProcessMachine, uint16_t *NativeMachine) {
  const process_t *p = wow64Target(Process);
  if ((Process != PSEUDO_PROCESS && !p) || !ProcessMachine) {
    if (!ProcessMachine) g_lastError = FAKE_ERROR_INVALID_PARAMETER;
    return 0;
  }
  *ProcessMachine = (uint16_t)wow64MachineOf(Process, p);
  if (NativeMachine) *NativeMachine = (uint16_t)g_nativeMachine;
  return 1;
}

FAKE_API void *FAKE_WINAPI GetCurrentProcess(void) { return PSEUDO_PROCESS; }
FAKE_API uint32_t FAKE_WINAPI GetCurrentProcessId(void) { return FIXTURES[g_fixture].processId; }
FAKE_API uint32_t FAKE_WINAPI GetLastError(void) { return g_lastError; }

/* For fake_process.c (same library, not exported): the GetLastError slot, the pid behind a process handle (0 for
 * none), and a closer CloseHandle hands the handles it does not know (Toolhelp snapshots; nonzero = closed). */
uint32_t *fakePssLastError(void) { return &g_lastError; }
uint32_t fakePssProcessIdOf(void *handle) {
  if (handle == PSEUDO_PROCESS) return FIXTURES[g_fixture].processId;
  process_t *p = findProcess(handle);
  return p ? FIXTURES[p->fixture].processId : 0;
}
void fakePssSetForeignCloser(int32_t (*closer)(void *)) { g_foreignCloser = closer; }
/* For fake_counters.c: the rights a process handle was opened with (every right for the pseudo handle, 0 for none). */
uint32_t fakePssAccessOf(void *handle) {
  if (handle == PSEUDO_PROCESS) return 0xFFFFFFFFu;
  process_t *p = findProcess(handle);
  return p ? p->access : 0;
}

#ifdef _WIN32
/* The DLL exports the five under their kernel32 names (fake_pss.h renames the definitions): linker directives,
 * as `#pragma comment(linker, ...)` would emit them; the array leaves out the terminating NUL. */
#define FAKE_KERNEL32_EXPORTS                                      \
  " -export:OpenProcess=FakeKernel32_OpenProcess"                  \
  " -export:CloseHandle=FakeKernel32_CloseHandle"                  \
  " -export:GetCurrentProcess=FakeKernel32_GetCurrentProcess"      \
  " -export:GetCurrentProcessId=FakeKernel32_GetCurrentProcessId"  \
  " -export:GetLastError=FakeKernel32_GetLastError"                \
  " -export:TerminateProcess=FakeKernel32_TerminateProcess"        \
  " -export:WaitForSingleObject=FakeKernel32_WaitForSingleObject"  \
  " -export:ReadProcessMemory=FakeKernel32_ReadProcessMemory"      \
  " -export:IsWow64Process=FakeKernel32_IsWow64Process"            \
  " -export:IsWow64Process2=FakeKernel32_IsWow64Process2"
__attribute__((section(".drectve"), used)) static const char fakeKernel32Exports[sizeof FAKE_KERNEL32_EXPORTS - 1] = FAKE_KERNEL32_EXPORTS;
#endif

/* ---- The API ---- */

FAKE_API DWORD_ FAKE_WINAPI PssCaptureSnapshot(void *ProcessHandle, uint32_t CaptureFlags, DWORD_ ThreadContextFlags, HPSS_ *SnapshotHandle) {
  if (!SnapshotHandle) return FAKE_ERROR_INVALID_PARAMETER;
  *SnapshotHandle = NULL;
  DWORD_ fault = callFault(CALL_CAPTURE);
  if (fault) return fault;
  if (!ProcessHandle) return FAKE_ERROR_INVALID_HANDLE;
  int fixture = g_fixture;
  if (ProcessHandle != PSEUDO_PROCESS) {
    const process_t *p = findProcess(ProcessHandle);
    if (!p || p->clone) return FAKE_ERROR_INVALID_HANDLE;
    if (!hasRights(p, p->access, CALL_CAPTURE, CaptureFlags)) return FAKE_ERROR_ACCESS_DENIED;
    fixture = p->fixture;
  }
  if (g_captureError) return g_captureError;
  if (CaptureFlags & (CAPTURE_RESERVED_2 | CAPTURE_RESERVED_400)) return FAKE_ERROR_INVALID_PARAMETER;
  if ((CaptureFlags & CAPTURE_VA_SPACE_SECTION) && !(CaptureFlags & CAPTURE_VA_SPACE)) return FAKE_ERROR_INVALID_PARAMETER;
  /* Contexts come in the caller's format: flags naming another architecture cannot be honoured [inf]. */
  uint32_t archBits = ThreadContextFlags & 0x00FF0000u;
  if ((CaptureFlags & (CAPTURE_THREAD_CONTEXT | CAPTURE_THREAD_CONTEXT_EXTENDED)) && archBits && archBits != CONTEXT_LAYOUTS[g_callerArch].archBit)
    return FAKE_ERROR_INVALID_PARAMETER;
  if (g_allocFailure & ALLOC_CAPTURE) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  snapshot_t *s = newSnapshot(fixture, CaptureFlags, ThreadContextFlags, g_callerArch, 0);
  if (!s) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  if (CaptureFlags & CAPTURE_VA_CLONE) {
    clone_t *c = (clone_t *)calloc(1, sizeof *c);
    process_t *h = c ? newProcessHandle(fixture, PROCESS_ALL_ACCESS_, c) : NULL;
    if (!h) {
      free(c);
      freeSnapshot(s);
      return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    }
    c->next = g_clones;
    g_clones = c;
    g_liveClones++;
    s->cloneHandle = h;
  }
  *SnapshotHandle = s;
  return FAKE_ERROR_SUCCESS;
}

/* The pid a process handle designates (0: the current process, i.e. the pseudo handle); ~0 for a bad handle. */
static uint32_t pidOfHandle(void *h) {
  if (h == PSEUDO_PROCESS) return 0;
  const process_t *p = findProcess(h);
  return p && !p->clone ? FIXTURES[p->fixture].processId : 0xFFFFFFFFu;
}

FAKE_API DWORD_ FAKE_WINAPI PssDuplicateSnapshot(void *SourceProcessHandle, HPSS_ SnapshotHandle, void *TargetProcessHandle, HPSS_ *TargetSnapshotHandle, uint32_t Flags) {
  DWORD_ fault = callFault(CALL_DUPLICATE);
  snapshot_t *s = findSnapshot(SnapshotHandle);
  uint32_t sourcePid = SourceProcessHandle ? pidOfHandle(SourceProcessHandle) : 0xFFFFFFFFu;
  uint32_t targetPid = TargetProcessHandle ? pidOfHandle(TargetProcessHandle) : 0xFFFFFFFFu;
  /* The snapshot must live in the source process. */
  if (s && s->ownerPid != sourcePid) s = NULL;
  DWORD_ result = FAKE_ERROR_SUCCESS;
  if (!TargetSnapshotHandle) result = FAKE_ERROR_INVALID_PARAMETER;
  else if (fault) result = fault;
  else if (!s || sourcePid == 0xFFFFFFFFu || targetPid == 0xFFFFFFFFu) result = FAKE_ERROR_INVALID_HANDLE;
  else if (!hasRights(SourceProcessHandle, SourceProcessHandle == PSEUDO_PROCESS ? 0 : findProcess(SourceProcessHandle)->access, CALL_DUPLICATE, 0) ||
           !hasRights(TargetProcessHandle, TargetProcessHandle == PSEUDO_PROCESS ? 0 : findProcess(TargetProcessHandle)->access, CALL_DUPLICATE_TARGET, 0))
    result = FAKE_ERROR_ACCESS_DENIED;
  /* CLOSE_SOURCE only works on USE_VM_ALLOCATIONS snapshots (§2.9). */
  else if ((Flags & DUPLICATE_CLOSE_SOURCE) && !(s->captureFlags & CREATE_USE_VM_ALLOCATIONS)) result = FAKE_ERROR_NOT_SUPPORTED;
  else if (g_allocFailure & ALLOC_DUPLICATE) result = FAKE_ERROR_NOT_ENOUGH_MEMORY;
  if (TargetSnapshotHandle) *TargetSnapshotHandle = NULL;
  if (!result) {
    /* The copy shares no VA clone: the clone stays the source snapshot's. */
    snapshot_t *copy = newSnapshot(s->fixture, s->captureFlags & ~CAPTURE_VA_CLONE, s->contextFlags, s->arch, targetPid);
    if (copy) *TargetSnapshotHandle = copy;
    else result = FAKE_ERROR_NOT_ENOUGH_MEMORY;
  }
  /* "frees the source snapshot ... even if duplication fails" (documented): whatever the outcome. */
  if ((Flags & DUPLICATE_CLOSE_SOURCE) && s) freeSnapshot(s);
  return result;
}

FAKE_API DWORD_ FAKE_WINAPI PssFreeSnapshot(void *ProcessHandle, HPSS_ SnapshotHandle) {
  DWORD_ fault = callFault(CALL_FREE);
  snapshot_t *s = findSnapshot(SnapshotHandle);
  if (!s) {
    noteBadRelease(SnapshotHandle);
    return fault ? fault : FAKE_ERROR_INVALID_HANDLE;
  }
  uint32_t pid = ProcessHandle ? pidOfHandle(ProcessHandle) : 0xFFFFFFFFu;
  if (pid == 0xFFFFFFFFu) return FAKE_ERROR_INVALID_HANDLE;
  if (pid != s->ownerPid) {
    /* A handle to another process than the one the snapshot lives in: the remote-free case. A snapshot of this
     * process without USE_VM_ALLOCATIONS cannot be freed from elsewhere (ERROR_NOT_SUPPORTED, documented); one
     * in another process is not reachable through the pseudo handle. */
    return s->ownerPid ? FAKE_ERROR_INVALID_HANDLE : FAKE_ERROR_NOT_SUPPORTED;
  }
  if (pid && !hasRights(ProcessHandle, findProcess(ProcessHandle)->access, CALL_FREE_REMOTE, 0)) return FAKE_ERROR_ACCESS_DENIED;
  freeSnapshot(s); /* an injected failure comes after the free: a retry is a double release */
  return fault ? fault : FAKE_ERROR_SUCCESS;
}

static int queryCaptured(const snapshot_t *s, uint32_t cls) {
  uint32_t cf = s->captureFlags;
  if (g_missingQueries & (1u << cls)) return 0;
  switch (cls) {
    case 0: return 1;
    case 1: return (cf & CAPTURE_VA_CLONE) != 0;
    case 2: return (cf & CAPTURE_VA_CLONE) != 0;
    case 3: return (cf & CAPTURE_VA_SPACE) != 0;
    case 4: return (cf & CAPTURE_HANDLES) != 0;
    case 5: return (cf & CAPTURE_THREADS) != 0;
    case 6: return (cf & CAPTURE_HANDLE_TRACE) != 0;
    case 7: return (cf & CREATE_MEASURE_PERFORMANCE) != 0;
    default: return 0;
  }
}

static const size_t QUERY_SIZES[8] = {
    sizeof(FAKE_PSS_PROCESS_INFORMATION),   sizeof(FAKE_PSS_VA_CLONE_INFORMATION), sizeof(FAKE_PSS_AUXILIARY_PAGES_INFORMATION),
    sizeof(FAKE_PSS_VA_SPACE_INFORMATION),  sizeof(FAKE_PSS_HANDLE_INFORMATION),   sizeof(FAKE_PSS_THREAD_INFORMATION),
    sizeof(FAKE_PSS_HANDLE_TRACE_INFORMATION), sizeof(FAKE_PSS_PERFORMANCE_COUNTERS),
};

FAKE_API DWORD_ FAKE_WINAPI PssQuerySnapshot(HPSS_ SnapshotHandle, uint32_t InformationClass, void *Buffer, DWORD_ BufferLength) {
  DWORD_ fault = callFault(CALL_QUERY);
  if (fault) return fault;
  const snapshot_t *s = findSnapshot(SnapshotHandle);
  if (!s) return FAKE_ERROR_INVALID_HANDLE;
  if (InformationClass > 7) return FAKE_ERROR_INVALID_PARAMETER;
  if (!queryCaptured(s, InformationClass)) return FAKE_ERROR_NOT_FOUND;
  if (BufferLength != QUERY_SIZES[InformationClass]) return FAKE_ERROR_BAD_LENGTH;
  if (!Buffer) return FAKE_ERROR_INVALID_PARAMETER;
  const fixture_t *fx = &FIXTURES[s->fixture];
  memset(Buffer, 0, BufferLength);
  switch (InformationClass) {
    case 0: {
      FAKE_PSS_PROCESS_INFORMATION *p = (FAKE_PSS_PROCESS_INFORMATION *)Buffer;
      p->ExitStatus = 259;
      p->PebBaseAddress = (void *)(uintptr_t)0xD234567000ull;
      p->AffinityMask = (uintptr_t)fx->affinityMask;
      p->BasePriority = 8;
      p->ProcessId = fx->processId;
      p->ParentProcessId = fx->parentProcessId;
      p->Flags = fx->processFlags;
      p->CreateTime = filetime(BASE_TIME);
      p->ExitTime = filetime(0);
      p->KernelTime = filetime(1562500);
      p->UserTime = filetime(3125000);
      p->PriorityClass = 0x20;
      p->PeakVirtualSize = (uintptr_t)0x200000000ull;
      p->VirtualSize = (uintptr_t)0x180000000ull;
      p->PageFaultCount = 12345;
      p->PeakWorkingSetSize = 0x4000000;
      p->WorkingSetSize = 0x3000000;
      p->QuotaPeakPagedPoolUsage = 0x10000;
      p->QuotaPagedPoolUsage = 0x8000;
      p->QuotaPeakNonPagedPoolUsage = 0x4000;
      p->QuotaNonPagedPoolUsage = 0x2000;
      p->PagefileUsage = 0x1000000;
      p->PeakPagefileUsage = 0x2000000;
      p->PrivateUsage = 0x1800000;
      p->ExecuteFlags = 4;
      size_t n = u16len(fx->imageFileName);
      memcpy(p->ImageFileName, fx->imageFileName, n * 2); /* NUL-terminated by the memset */
      /* garbage after the terminator: readers must cut at the first NUL */
      for (size_t k = n + 1; k < 260; k++) p->ImageFileName[k] = (uint16_t)('A' + k % 26);
      break;
    }
    case 1: ((FAKE_PSS_VA_CLONE_INFORMATION *)Buffer)->VaCloneHandle = s->cloneHandle; break;
    case 2: ((FAKE_PSS_AUXILIARY_PAGES_INFORMATION *)Buffer)->AuxPagesCaptured = fx->auxPages; break;
    case 3: ((FAKE_PSS_VA_SPACE_INFORMATION *)Buffer)->RegionCount = fx->regions; break;
    case 4: ((FAKE_PSS_HANDLE_INFORMATION *)Buffer)->HandlesCaptured = fx->handles; break;
    case 5: {
      FAKE_PSS_THREAD_INFORMATION *t = (FAKE_PSS_THREAD_INFORMATION *)Buffer;
      t->ThreadsCaptured = fx->threads;
      t->ContextLength = contextSize(s);
      break;
    }
    case 6: {
      FAKE_PSS_HANDLE_TRACE_INFORMATION *t = (FAKE_PSS_HANDLE_TRACE_INFORMATION *)Buffer;
      t->SectionHandle = (void *)(uintptr_t)0x3A8;
      t->Size = 0x10000;
      break;
    }
    case 7: {
      FAKE_PSS_PERFORMANCE_COUNTERS *c = (FAKE_PSS_PERFORMANCE_COUNTERS *)Buffer;
      for (uint32_t k = 0; k < 12; k++) c->Counter[k] = (k + 1) * 1000ull + k;
      break;
    }
  }
  return FAKE_ERROR_SUCCESS;
}

static const size_t WALK_SIZES[WALK_CLASSES] = {
    sizeof(FAKE_PSS_AUXILIARY_PAGE_ENTRY), sizeof(FAKE_PSS_VA_SPACE_ENTRY), sizeof(FAKE_PSS_HANDLE_ENTRY), sizeof(FAKE_PSS_THREAD_ENTRY)};

static DWORD_ walkStep(const snapshot_t *s, uint32_t InformationClass, marker_t *m, void *Buffer, DWORD_ BufferLength);

FAKE_API DWORD_ FAKE_WINAPI PssWalkSnapshot(HPSS_ SnapshotHandle, uint32_t InformationClass, HPSSWALK_ WalkMarkerHandle, void *Buffer, DWORD_ BufferLength) {
  DWORD_ fault = callFault(CALL_WALK);
  marker_t *m = findMarker(WalkMarkerHandle);
  /* Every call on a marker ends the life of what the previous one handed out (failed calls too). */
  block_t *retired = m ? retireWalkData(m) : NULL;
  const snapshot_t *s = findSnapshot(SnapshotHandle);
  DWORD_ result = fault ? fault /* the marker does not advance */ : !s || !m ? FAKE_ERROR_INVALID_HANDLE : walkStep(s, InformationClass, m, Buffer, BufferLength);
  if (m) freeBlocks(m, retired);
  return result;
}

static DWORD_ walkStep(const snapshot_t *s, uint32_t InformationClass, marker_t *m, void *Buffer, DWORD_ BufferLength) {
  if (InformationClass >= WALK_CLASSES) return FAKE_ERROR_INVALID_PARAMETER; /* incl. PSS_WALK_THREAD_NAME */
  const fixture_t *fx = &FIXTURES[s->fixture];
  uint32_t cf = s->captureFlags, count;
  switch (InformationClass) {
    case WALK_AUX:
      if (!(cf & CAPTURE_VA_CLONE)) return FAKE_ERROR_NOT_FOUND;
      count = fx->auxPages;
      break;
    case WALK_VA:
      if (!(cf & CAPTURE_VA_SPACE)) return FAKE_ERROR_NOT_FOUND;
      count = fx->regions;
      break;
    case WALK_HANDLES:
      if (!(cf & CAPTURE_HANDLES)) return FAKE_ERROR_NOT_FOUND;
      count = fx->handles;
      break;
    default:
      if (!(cf & CAPTURE_THREADS)) return FAKE_ERROR_NOT_FOUND;
      count = fx->threads;
      break;
  }
  if (m->position >= count) return FAKE_ERROR_NO_MORE_ITEMS;
  if (g_walkFaultError && g_walkFaultClass == InformationClass && m->position >= g_walkFaultAfter) return g_walkFaultError;
  if (!Buffer) return FAKE_ERROR_MORE_DATA;
  if (BufferLength != WALK_SIZES[InformationClass]) return FAKE_ERROR_BAD_LENGTH;
  DWORD_ result;
  switch (InformationClass) {
    case WALK_AUX: {
      FAKE_PSS_AUXILIARY_PAGE_ENTRY e;
      result = fillAuxPage(s, m, m->position, &e);
      if (!result) memcpy(Buffer, &e, sizeof e);
      break;
    }
    case WALK_VA: {
      FAKE_PSS_VA_SPACE_ENTRY e;
      result = fillRegion(s, m, m->position, &e);
      if (!result) memcpy(Buffer, &e, sizeof e);
      break;
    }
    case WALK_HANDLES: {
      FAKE_PSS_HANDLE_ENTRY e;
      result = fillHandle(s, m, m->position, &e);
      if (!result) memcpy(Buffer, &e, sizeof e);
      break;
    }
    default: {
      FAKE_PSS_THREAD_ENTRY e;
      result = fillThread(s, m, m->position, &e);
      if (!result) memcpy(Buffer, &e, sizeof e);
      break;
    }
  }
  if (!result) m->position++;
  return result;
}

FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerCreate(const FAKE_PSS_ALLOCATOR *Allocator, HPSSWALK_ *WalkMarkerHandle) {
  if (!WalkMarkerHandle) return FAKE_ERROR_INVALID_PARAMETER;
  *WalkMarkerHandle = NULL;
  DWORD_ fault = callFault(CALL_MARKER_CREATE);
  if (fault) return fault;
  if (Allocator && (!Allocator->AllocRoutine || !Allocator->FreeRoutine)) return FAKE_ERROR_INVALID_PARAMETER;
  if (g_allocFailure & ALLOC_MARKER) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  marker_t *m = (marker_t *)markerRawAlloc(Allocator, Allocator != NULL, sizeof *m);
  if (!m) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  forgetReleased(m);
  memset(m, 0, sizeof *m);
  if (Allocator) {
    m->allocator = *Allocator; /* copied: the caller's struct need not outlive this call in the fake */
    m->hasAllocator = 1;
  }
  m->id = g_nextMarkerId++;
  m->next = g_markers;
  g_markers = m;
  g_liveMarkers++;
  *WalkMarkerHandle = m;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerFree(HPSSWALK_ WalkMarkerHandle) {
  DWORD_ fault = callFault(CALL_MARKER_FREE);
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!m) {
    noteBadRelease(WalkMarkerHandle);
    return fault ? fault : FAKE_ERROR_INVALID_HANDLE;
  }
  freeMarker(m); /* an injected failure comes after the free: a retry is a double release */
  return fault ? fault : FAKE_ERROR_SUCCESS;
}

FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerGetPosition(HPSSWALK_ WalkMarkerHandle, uintptr_t *Position) {
  DWORD_ fault = callFault(CALL_GET_POSITION);
  if (fault) return fault;
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!m) return FAKE_ERROR_INVALID_HANDLE;
  if (!Position) return FAKE_ERROR_INVALID_PARAMETER;
  /* opaque: the marker id in the high half, position + 1 in the low half */
  *Position = (uintptr_t)(((uint64_t)m->id << 32) | (uint64_t)(m->position + 1u));
  return FAKE_ERROR_SUCCESS;
}

FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerSetPosition(HPSSWALK_ WalkMarkerHandle, uintptr_t Position) {
  DWORD_ fault = callFault(CALL_SET_POSITION);
  if (fault) return fault;
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!m) return FAKE_ERROR_INVALID_HANDLE;
  uint64_t token = (uint64_t)Position;
  if ((uint32_t)(token >> 32) != m->id || (uint32_t)token == 0) return FAKE_ERROR_INVALID_PARAMETER;
  m->position = (uint32_t)token - 1u;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API DWORD_ FAKE_WINAPI PssWalkMarkerSeekToBeginning(HPSSWALK_ WalkMarkerHandle) {
  DWORD_ fault = callFault(CALL_SEEK);
  if (fault) return fault;
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!m) return FAKE_ERROR_INVALID_HANDLE;
  m->position = 0;
  return FAKE_ERROR_SUCCESS;
}

/* ---- Control ---- */

FAKE_API uint32_t FakePssSetFixture(int32_t id) {
  if (id < 1 || id > 2) return FAKE_ERROR_INVALID_PARAMETER;
  g_fixture = id - 1;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API void FakePssSetCaptureError(uint32_t error) { g_captureError = error; }
FAKE_API void FakePssSetMissingQueryClasses(uint32_t mask) { g_missingQueries = mask; }

FAKE_API void FakePssSetWalkFault(uint32_t walkClass, uint32_t afterEntries, uint32_t error) {
  g_walkFaultClass = walkClass;
  g_walkFaultAfter = afterEntries;
  g_walkFaultError = error;
}

FAKE_API void FakePssSetAllocFailure(uint32_t mask) { g_allocFailure = mask; }
FAKE_API void FakePssSetOpenProcessError(uint32_t error) { g_openProcessError = error; }
FAKE_API uint32_t FakePssLastOpenAccess(void) { return g_lastOpenAccess; }
FAKE_API uint32_t FakePssLiveProcessHandles(void) { return g_liveProcesses; }
FAKE_API uint32_t FakePssLiveSnapshots(void) { return g_liveSnapshots; }
FAKE_API uint32_t FakePssLiveMarkers(void) { return g_liveMarkers; }

FAKE_API uint32_t FakePssLiveClones(void) { return g_liveClones; }
FAKE_API uint32_t FakePssDoubleReleases(void) { return g_doubleReleases; }

FAKE_API uint32_t FakePssSetCallerArchitecture(uint32_t arch) {
  if (arch >= ARCH_COUNT) return FAKE_ERROR_INVALID_PARAMETER;
  g_callerArch = (int)arch;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API void FakePssSetNativeMachine(uint32_t machine) { g_nativeMachine = machine; }

FAKE_API uint32_t FakePssHangCall(const char *name, uint32_t nth) {
  int call = callIndex(name);
  if (call < 0) return FAKE_ERROR_INVALID_PARAMETER;
  g_hangGate = nth ? 0 : 1;
  g_hangNth = nth;
  g_hangCall = nth ? (uint32_t)call : CALL_COUNT;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API uint32_t FakePssHanging(void) { return g_hanging; }

FAKE_API void FakePssReleaseHangs(void) {
  g_hangCall = CALL_COUNT;
  g_hangGate = 1;
}

FAKE_API uint32_t FakePssFailCalls(const char *name, uint32_t first, uint32_t count, uint32_t error) {
  int call = callIndex(name);
  if (call < 0) return FAKE_ERROR_INVALID_PARAMETER;
  g_faultCall = first && count ? (uint32_t)call : CALL_COUNT;
  g_faultFirst = first;
  g_faultCount = count;
  g_faultError = error;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API uint32_t FakePssCallCount(const char *name) {
  int call = callIndex(name);
  return call < 0 ? 0xFFFFFFFFu : g_callCounts[call];
}

FAKE_API void FakePssReset(void) {
  g_allocFailure = 0; /* cleared first: freeing must not be refused */
  while (g_markers) freeMarker(g_markers);
  while (g_snapshots) freeSnapshot(g_snapshots);
  while (g_processes) closeProcess(g_processes);
  while (g_clones) {
    clone_t *next = g_clones->next;
    free(g_clones);
    g_clones = next;
  }
  g_liveClones = 0;
  g_doubleReleases = 0;
  memset(g_released, 0, sizeof g_released);
  g_callerArch = ARCH_X64;
  g_nativeMachine = MACHINE_AMD64;
  FakePssReleaseHangs();
  g_openProcessError = 0;
  g_lastOpenAccess = 0;
  g_lastError = 0;
  g_fixture = 0;
  g_captureError = 0;
  g_missingQueries = 0;
  g_walkFaultClass = 0xFFFFFFFFu;
  g_walkFaultAfter = 0;
  g_walkFaultError = 0;
  memset(g_callCounts, 0, sizeof g_callCounts);
  g_faultCall = CALL_COUNT;
  g_faultFirst = g_faultCount = 0;
  g_faultError = 0;
}
