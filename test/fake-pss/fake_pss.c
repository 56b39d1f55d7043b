/* Fake Process Snapshotting API: see fake_pss.h. Portable C11 (Linux gcc, mingw-w64).
 *
 * Semantics follow pss-reference.md §2 and §5; where Windows leaves a choice open the fake picks one and says so:
 * - The snapshot copies the fixture id, capture flags and context flags at capture time; entries are generated
 *   on demand from the formulas below, so changing the fixture later does not change a live snapshot.
 * - Which classes exist: process information always; VA clone with PSS_CAPTURE_VA_CLONE; VA space and auxiliary
 *   pages with PSS_CAPTURE_VA_SPACE (no public flag produces aux pages, the fake ties them to VA space); handles,
 *   threads, handle trace with their flags; performance counters with PSS_CREATE_MEASURE_PERFORMANCE.
 * - A marker is one position index shared by every class it walks. A NULL-buffer probe does not advance it.
 * - Strings, contexts and page contents live in memory owned by the marker (through its allocator) and stay
 *   valid until PssWalkMarkerFree, as documented.
 * - Snapshot and marker handles are looked up in lists of live objects, so a bad or freed handle returns
 *   ERROR_INVALID_HANDLE instead of crashing (Windows: undefined behaviour on double free).
 * - Position tokens encode the marker's id; a token of another marker is ERROR_INVALID_PARAMETER.
 * - Process handles come from the fake's OpenProcess (or are GetCurrentProcess's pseudo handle -1). A capture
 *   through a handle uses the fixture of the handle's pid and needs the rights pss-reference §5.2 gives for
 *   the flags (QUERY_INFORMATION always, DUP_HANDLE for handles, VM_READ for section information,
 *   CREATE_PROCESS for a VA clone); missing rights are ERROR_ACCESS_DENIED, as an under-privileged handle
 *   would get on Windows [inf]. */
#include "fake_pss.h"

#include <stdlib.h>
#include <string.h>

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
#define CAPTURE_RESERVED_400 0x400u
#define CAPTURE_VA_SPACE 0x800u
#define CAPTURE_VA_SPACE_SECTION 0x1000u
#define CREATE_USE_VM_ALLOCATIONS 0x20000000u
#define CREATE_MEASURE_PERFORMANCE 0x40000000u
#define DUPLICATE_CLOSE_SOURCE 0x1u

#define PROCESS_CREATE_PROCESS 0x80u
#define PROCESS_DUP_HANDLE 0x40u
#define PROCESS_VM_READ 0x10u
#define PROCESS_QUERY_INFORMATION 0x400u
#define PSEUDO_PROCESS ((void *)(intptr_t)-1)

#define CONTEXT_SIZE 1232u
#define CONTEXT_OFF_FLAGS 48u
#define CONTEXT_OFF_RSP 152u
#define CONTEXT_OFF_RIP 248u
#define PAGE_BYTES 4096u

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
typedef struct snapshot {
  struct snapshot *next;
  int fixture; /* index into FIXTURES */
  uint32_t captureFlags, contextFlags;
} snapshot_t;

typedef struct block {
  struct block *next;
  uint64_t pad; /* keeps the payload 16-aligned */
} block_t;

typedef struct marker {
  struct marker *next;
  uint32_t id;
  uint32_t position;
  FAKE_PSS_ALLOCATOR allocator;
  int hasAllocator;
  block_t *blocks;
} marker_t;

typedef struct process {
  struct process *next;
  int fixture;
  uint32_t access;
} process_t;

static process_t *g_processes;
static uint32_t g_liveProcesses, g_openProcessError, g_lastOpenAccess, g_lastError;
static int32_t (*g_foreignCloser)(void *); /* CloseHandle for handles of fake_process.c */
static snapshot_t *g_snapshots;
static marker_t *g_markers;
static uint32_t g_liveSnapshots, g_liveMarkers, g_nextMarkerId = 1;
static int g_fixture;
static uint32_t g_captureError, g_missingQueries, g_allocFailure;
static uint32_t g_walkFaultClass = 0xFFFFFFFFu, g_walkFaultAfter, g_walkFaultError;

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
  markerRawFree(&a, has, m);
  g_liveMarkers--;
}

static void freeSnapshot(snapshot_t *s) {
  snapshot_t **link = &g_snapshots;
  while (*link != s) link = &(*link)->next;
  *link = s->next;
  free(s);
  g_liveSnapshots--;
}

static snapshot_t *newSnapshot(int fixture, uint32_t captureFlags, uint32_t contextFlags) {
  snapshot_t *s = (snapshot_t *)malloc(sizeof *s);
  if (!s) return NULL;
  s->fixture = fixture;
  s->captureFlags = captureFlags;
  s->contextFlags = contextFlags;
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
  if ((s->captureFlags & CAPTURE_THREAD_CONTEXT) && !terminated) {
    uint8_t *c = (uint8_t *)markerAlloc(m, CONTEXT_SIZE);
    if (!c) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
    for (uint32_t k = 0; k < CONTEXT_SIZE; k++) c[k] = (uint8_t)(k * 7 + j);
    put32(c + CONTEXT_OFF_FLAGS, s->contextFlags);
    put64(c + CONTEXT_OFF_RSP, 0xC000100000ull + j * 0x1000ull);
    put64(c + CONTEXT_OFF_RIP, 0x7FF700002000ull + j);
    e->ContextRecord = c;
    e->SizeOfContextRecord = (uint16_t)CONTEXT_SIZE;
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

enum { CALL_CAPTURE, CALL_DUPLICATE, CALL_FREE, CALL_QUERY, CALL_WALK, CALL_MARKER_CREATE, CALL_MARKER_FREE, CALL_GET_POSITION, CALL_SET_POSITION, CALL_SEEK, CALL_OPEN_PROCESS, CALL_CLOSE_HANDLE, CALL_COUNT };
static const char *const CALL_NAMES[CALL_COUNT] = {
    "PssCaptureSnapshot",       "PssDuplicateSnapshot",     "PssFreeSnapshot",          "PssQuerySnapshot",
    "PssWalkSnapshot",          "PssWalkMarkerCreate",      "PssWalkMarkerFree",        "PssWalkMarkerGetPosition",
    "PssWalkMarkerSetPosition", "PssWalkMarkerSeekToBeginning", "OpenProcess",          "CloseHandle",
};
static uint32_t g_callCounts[CALL_COUNT], g_faultCall = CALL_COUNT, g_faultFirst, g_faultCount, g_faultError;

/* Counts the call; returns the error it must fail with (0: none). Checked before any effect of the call. */
static uint32_t callFault(int call) {
  uint32_t n = ++g_callCounts[call];
  return (uint32_t)call == g_faultCall && n >= g_faultFirst && n - g_faultFirst < g_faultCount ? g_faultError : 0;
}

static int callIndex(const char *name) {
  for (int k = 0; name && k < CALL_COUNT; k++)
    if (strcmp(CALL_NAMES[k], name) == 0) return k;
  return -1;
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
  free(p);
  g_liveProcesses--;
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
  process_t *p = (process_t *)malloc(sizeof *p);
  if (!p) {
    g_lastError = FAKE_ERROR_NOT_ENOUGH_MEMORY;
    return NULL;
  }
  p->fixture = fixture;
  p->access = DesiredAccess;
  p->next = g_processes;
  g_processes = p;
  g_liveProcesses++;
  return p;
}

FAKE_API int32_t FAKE_WINAPI CloseHandle(void *Object) {
  uint32_t fault = callFault(CALL_CLOSE_HANDLE);
  if (fault) {
    g_lastError = fault; /* the handle stays open */
    return 0;
  }
  if (Object == PSEUDO_PROCESS) return 1; /* closing the pseudo handle is a harmless no-op on Windows */
  process_t *p = findProcess(Object);
  if (!p) {
    if (g_foreignCloser && g_foreignCloser(Object)) return 1;
    g_lastError = FAKE_ERROR_INVALID_HANDLE;
    return 0;
  }
  closeProcess(p);
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

#ifdef _WIN32
/* The DLL exports the five under their kernel32 names (fake_pss.h renames the definitions): linker directives,
 * as `#pragma comment(linker, ...)` would emit them; the array leaves out the terminating NUL. */
#define FAKE_KERNEL32_EXPORTS                                      \
  " -export:OpenProcess=FakeKernel32_OpenProcess"                  \
  " -export:CloseHandle=FakeKernel32_CloseHandle"                  \
  " -export:GetCurrentProcess=FakeKernel32_GetCurrentProcess"      \
  " -export:GetCurrentProcessId=FakeKernel32_GetCurrentProcessId"  \
  " -export:GetLastError=FakeKernel32_GetLastError"
__attribute__((section(".drectve"), used)) static const char fakeKernel32Exports[sizeof FAKE_KERNEL32_EXPORTS - 1] = FAKE_KERNEL32_EXPORTS;
#endif

static uint32_t rightsFor(uint32_t captureFlags) {
  uint32_t rights = PROCESS_QUERY_INFORMATION;
  if (captureFlags & CAPTURE_VA_CLONE) rights |= PROCESS_CREATE_PROCESS;
  if (captureFlags & CAPTURE_HANDLES) rights |= PROCESS_DUP_HANDLE;
  if (captureFlags & CAPTURE_VA_SPACE_SECTION) rights |= PROCESS_VM_READ;
  return rights;
}

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
    if (!p) return FAKE_ERROR_INVALID_HANDLE;
    uint32_t rights = rightsFor(CaptureFlags);
    if ((p->access & rights) != rights) return FAKE_ERROR_ACCESS_DENIED;
    fixture = p->fixture;
  }
  if (g_captureError) return g_captureError;
  if (CaptureFlags & (CAPTURE_RESERVED_2 | CAPTURE_RESERVED_400)) return FAKE_ERROR_INVALID_PARAMETER;
  if ((CaptureFlags & CAPTURE_VA_SPACE_SECTION) && !(CaptureFlags & CAPTURE_VA_SPACE)) return FAKE_ERROR_INVALID_PARAMETER;
  if (g_allocFailure & ALLOC_CAPTURE) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  snapshot_t *s = newSnapshot(fixture, CaptureFlags, ThreadContextFlags);
  if (!s) return FAKE_ERROR_NOT_ENOUGH_MEMORY;
  *SnapshotHandle = s;
  return FAKE_ERROR_SUCCESS;
}

FAKE_API DWORD_ FAKE_WINAPI PssDuplicateSnapshot(void *SourceProcessHandle, HPSS_ SnapshotHandle, void *TargetProcessHandle, HPSS_ *TargetSnapshotHandle, uint32_t Flags) {
  if (!TargetSnapshotHandle) return FAKE_ERROR_INVALID_PARAMETER;
  *TargetSnapshotHandle = NULL;
  DWORD_ fault = callFault(CALL_DUPLICATE);
  if (fault) return fault;
  snapshot_t *s = findSnapshot(SnapshotHandle);
  if (!s || !SourceProcessHandle || !TargetProcessHandle) return FAKE_ERROR_INVALID_HANDLE;
  /* CLOSE_SOURCE only works on USE_VM_ALLOCATIONS snapshots (§2.9); the fake refuses without freeing. */
  if ((Flags & DUPLICATE_CLOSE_SOURCE) && !(s->captureFlags & CREATE_USE_VM_ALLOCATIONS)) return FAKE_ERROR_NOT_SUPPORTED;
  DWORD_ result = FAKE_ERROR_SUCCESS;
  if (g_allocFailure & ALLOC_DUPLICATE) {
    result = FAKE_ERROR_NOT_ENOUGH_MEMORY;
  } else {
    snapshot_t *copy = newSnapshot(s->fixture, s->captureFlags, s->contextFlags);
    if (copy) *TargetSnapshotHandle = copy;
    else result = FAKE_ERROR_NOT_ENOUGH_MEMORY;
  }
  if (Flags & DUPLICATE_CLOSE_SOURCE) freeSnapshot(s); /* even when duplication failed (documented) */
  return result;
}

FAKE_API DWORD_ FAKE_WINAPI PssFreeSnapshot(void *ProcessHandle, HPSS_ SnapshotHandle) {
  DWORD_ fault = callFault(CALL_FREE);
  if (fault) return fault; /* the snapshot stays allocated */
  snapshot_t *s = findSnapshot(SnapshotHandle);
  if (!s || !ProcessHandle) return FAKE_ERROR_INVALID_HANDLE;
  freeSnapshot(s);
  return FAKE_ERROR_SUCCESS;
}

static int queryCaptured(const snapshot_t *s, uint32_t cls) {
  uint32_t cf = s->captureFlags;
  if (g_missingQueries & (1u << cls)) return 0;
  switch (cls) {
    case 0: return 1;
    case 1: return (cf & CAPTURE_VA_CLONE) != 0;
    case 2: return (cf & CAPTURE_VA_SPACE) != 0;
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
    case 1: ((FAKE_PSS_VA_CLONE_INFORMATION *)Buffer)->VaCloneHandle = (void *)(uintptr_t)0x2C4; break;
    case 2: ((FAKE_PSS_AUXILIARY_PAGES_INFORMATION *)Buffer)->AuxPagesCaptured = fx->auxPages; break;
    case 3: ((FAKE_PSS_VA_SPACE_INFORMATION *)Buffer)->RegionCount = fx->regions; break;
    case 4: ((FAKE_PSS_HANDLE_INFORMATION *)Buffer)->HandlesCaptured = fx->handles; break;
    case 5: {
      FAKE_PSS_THREAD_INFORMATION *t = (FAKE_PSS_THREAD_INFORMATION *)Buffer;
      t->ThreadsCaptured = fx->threads;
      t->ContextLength = (s->captureFlags & CAPTURE_THREAD_CONTEXT) ? CONTEXT_SIZE : 0;
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

FAKE_API DWORD_ FAKE_WINAPI PssWalkSnapshot(HPSS_ SnapshotHandle, uint32_t InformationClass, HPSSWALK_ WalkMarkerHandle, void *Buffer, DWORD_ BufferLength) {
  DWORD_ fault = callFault(CALL_WALK);
  if (fault) return fault; /* the marker does not advance */
  const snapshot_t *s = findSnapshot(SnapshotHandle);
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!s || !m) return FAKE_ERROR_INVALID_HANDLE;
  if (InformationClass >= WALK_CLASSES) return FAKE_ERROR_INVALID_PARAMETER; /* incl. PSS_WALK_THREAD_NAME */
  const fixture_t *fx = &FIXTURES[s->fixture];
  uint32_t cf = s->captureFlags, count;
  switch (InformationClass) {
    case WALK_AUX:
      if (!(cf & CAPTURE_VA_SPACE)) return FAKE_ERROR_NOT_FOUND;
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
  if (fault) return fault; /* the marker stays allocated */
  marker_t *m = findMarker(WalkMarkerHandle);
  if (!m) return FAKE_ERROR_INVALID_HANDLE;
  freeMarker(m);
  return FAKE_ERROR_SUCCESS;
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
