// Names of every PSS enum and flag value (spec/ARCHIVE.md §7), values from spec/abi/abi-x64.json (equal on
// x86 and arm64), plus the MEM_*, PAGE_* and CONTEXT_* values readers show. Stored values are numbers; an
// unknown value is shown as its number, never rejected.

export interface NameTable {
  /** The C enum or flag family, for messages. */
  readonly title: string
  /** Prefix dropped in short names (`PSS_OBJECT_TYPE_SECTION` → `SECTION`). */
  readonly prefix: string
  readonly values: Readonly<Record<string, number>>
  /** Flags are ORed bit sets; enums are single values. */
  readonly isFlags: boolean
  /** Flags whose low bits under this mask are one enumerated value (open(2)'s access mode), always named. */
  readonly modeMask?: number
}

function table(title: string, prefix: string, isFlags: boolean, values: Record<string, number>, modeMask?: number): NameTable {
  return { title, prefix, isFlags, values, ...(modeMask !== undefined ? { modeMask } : {}) }
}

export const PSS_HANDLE_FLAGS = table('PSS_HANDLE_FLAGS', 'PSS_HANDLE_', true, {
  PSS_HANDLE_NONE: 0,
  PSS_HANDLE_HAVE_TYPE: 0x1,
  PSS_HANDLE_HAVE_NAME: 0x2,
  PSS_HANDLE_HAVE_BASIC_INFORMATION: 0x4,
  PSS_HANDLE_HAVE_TYPE_SPECIFIC_INFORMATION: 0x8,
})

export const PSS_OBJECT_TYPE = table('PSS_OBJECT_TYPE', 'PSS_OBJECT_TYPE_', false, {
  PSS_OBJECT_TYPE_UNKNOWN: 0,
  PSS_OBJECT_TYPE_PROCESS: 1,
  PSS_OBJECT_TYPE_THREAD: 2,
  PSS_OBJECT_TYPE_MUTANT: 3,
  PSS_OBJECT_TYPE_EVENT: 4,
  PSS_OBJECT_TYPE_SECTION: 5,
  PSS_OBJECT_TYPE_SEMAPHORE: 6,
})

export const PSS_CAPTURE_FLAGS = table('PSS_CAPTURE_FLAGS', 'PSS_', true, {
  PSS_CAPTURE_NONE: 0,
  PSS_CAPTURE_VA_CLONE: 0x1,
  PSS_CAPTURE_RESERVED_00000002: 0x2,
  PSS_CAPTURE_HANDLES: 0x4,
  PSS_CAPTURE_HANDLE_NAME_INFORMATION: 0x8,
  PSS_CAPTURE_HANDLE_BASIC_INFORMATION: 0x10,
  PSS_CAPTURE_HANDLE_TYPE_SPECIFIC_INFORMATION: 0x20,
  PSS_CAPTURE_HANDLE_TRACE: 0x40,
  PSS_CAPTURE_THREADS: 0x80,
  PSS_CAPTURE_THREAD_CONTEXT: 0x100,
  PSS_CAPTURE_THREAD_CONTEXT_EXTENDED: 0x200,
  PSS_CAPTURE_RESERVED_00000400: 0x400,
  PSS_CAPTURE_VA_SPACE: 0x800,
  PSS_CAPTURE_VA_SPACE_SECTION_INFORMATION: 0x1000,
  PSS_CAPTURE_IPT_TRACE: 0x2000,
  PSS_CAPTURE_RESERVED_00004000: 0x4000,
  PSS_CREATE_BREAKAWAY_OPTIONAL: 0x04000000,
  PSS_CREATE_BREAKAWAY: 0x08000000,
  PSS_CREATE_FORCE_BREAKAWAY: 0x10000000,
  PSS_CREATE_USE_VM_ALLOCATIONS: 0x20000000,
  PSS_CREATE_MEASURE_PERFORMANCE: 0x40000000,
  PSS_CREATE_RELEASE_SECTION: 0x80000000,
})

export const PSS_QUERY_INFORMATION_CLASS = table('PSS_QUERY_INFORMATION_CLASS', 'PSS_QUERY_', false, {
  PSS_QUERY_PROCESS_INFORMATION: 0,
  PSS_QUERY_VA_CLONE_INFORMATION: 1,
  PSS_QUERY_AUXILIARY_PAGES_INFORMATION: 2,
  PSS_QUERY_VA_SPACE_INFORMATION: 3,
  PSS_QUERY_HANDLE_INFORMATION: 4,
  PSS_QUERY_THREAD_INFORMATION: 5,
  PSS_QUERY_HANDLE_TRACE_INFORMATION: 6,
  PSS_QUERY_PERFORMANCE_COUNTERS: 7,
})

// PSS_WALK_THREAD_NAME (4) is declared only by the Microsoft SDK header (undocumented).
export const PSS_WALK_INFORMATION_CLASS = table('PSS_WALK_INFORMATION_CLASS', 'PSS_WALK_', false, {
  PSS_WALK_AUXILIARY_PAGES: 0,
  PSS_WALK_VA_SPACE: 1,
  PSS_WALK_HANDLES: 2,
  PSS_WALK_THREADS: 3,
  PSS_WALK_THREAD_NAME: 4,
})

export const PSS_DUPLICATE_FLAGS = table('PSS_DUPLICATE_FLAGS', 'PSS_DUPLICATE_', true, {
  PSS_DUPLICATE_NONE: 0,
  PSS_DUPLICATE_CLOSE_SOURCE: 0x1,
})

export const PSS_PROCESS_FLAGS = table('PSS_PROCESS_FLAGS', 'PSS_PROCESS_FLAGS_', true, {
  PSS_PROCESS_FLAGS_NONE: 0,
  PSS_PROCESS_FLAGS_PROTECTED: 0x1,
  PSS_PROCESS_FLAGS_WOW64: 0x2,
  PSS_PROCESS_FLAGS_RESERVED_03: 0x4,
  PSS_PROCESS_FLAGS_RESERVED_04: 0x8,
  PSS_PROCESS_FLAGS_FROZEN: 0x10,
})

export const PSS_THREAD_FLAGS = table('PSS_THREAD_FLAGS', 'PSS_THREAD_FLAGS_', true, {
  PSS_THREAD_FLAGS_NONE: 0,
  PSS_THREAD_FLAGS_TERMINATED: 0x1,
})

export const MEM_STATE = table('MEM_STATE', 'MEM_', false, { MEM_COMMIT: 0x1000, MEM_RESERVE: 0x2000, MEM_FREE: 0x10000 })

export const MEM_TYPE = table('MEM_TYPE', 'MEM_', false, { MEM_PRIVATE: 0x20000, MEM_MAPPED: 0x40000, MEM_IMAGE: 0x1000000 })

export const PAGE_PROTECTION = table('PAGE_PROTECTION', 'PAGE_', true, {
  PAGE_NOACCESS: 0x01,
  PAGE_READONLY: 0x02,
  PAGE_READWRITE: 0x04,
  PAGE_WRITECOPY: 0x08,
  PAGE_EXECUTE: 0x10,
  PAGE_EXECUTE_READ: 0x20,
  PAGE_EXECUTE_READWRITE: 0x40,
  PAGE_EXECUTE_WRITECOPY: 0x80,
  PAGE_GUARD: 0x100,
  PAGE_NOCACHE: 0x200,
  PAGE_WRITECOMBINE: 0x400,
  PAGE_TARGETS_INVALID: 0x40000000,
})

export const CONTEXT_FLAGS_X64 = table('CONTEXT_FLAGS (x64)', 'CONTEXT_', true, {
  CONTEXT_AMD64: 0x100000,
  CONTEXT_CONTROL: 0x100001,
  CONTEXT_INTEGER: 0x100002,
  CONTEXT_SEGMENTS: 0x100004,
  CONTEXT_FLOATING_POINT: 0x100008,
  CONTEXT_DEBUG_REGISTERS: 0x100010,
  CONTEXT_XSTATE: 0x100040,
})

/**
 * Linux open(2) flags as `/proc/<pid>/fdinfo` shows them (format 1.1), in the generic ABI's values (x86,
 * x86-64, arm64, riscv64). O_RDONLY is 0: the access mode is the low two bits.
 */
export const LINUX_OPEN_FLAGS = table('LINUX_OPEN_FLAGS', 'O_', true, {
  O_RDONLY: 0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  O_SYNC: 0o4010000,
  O_PATH: 0o10000000,
  O_TMPFILE: 0o20200000,
}, 0o3)

/** The four permission letters of a Linux `maps` line as bits (format 1.3): `s` is VM_MAYSHARE, its absence `p`. */
export const LINUX_MAPS_PERMISSIONS = table('LINUX_MAPS_PERMISSIONS', 'MAPS_', true, { MAPS_NONE: 0, MAPS_READ: 0x1, MAPS_WRITE: 0x2, MAPS_EXEC: 0x4, MAPS_SHARED: 0x8 })

/** The eight enums of processsnapshot.h (bound as uint32 by the capture binding). */
export const PSS_ENUM_TABLES = {
  PSS_HANDLE_FLAGS,
  PSS_OBJECT_TYPE,
  PSS_CAPTURE_FLAGS,
  PSS_QUERY_INFORMATION_CLASS,
  PSS_WALK_INFORMATION_CLASS,
  PSS_DUPLICATE_FLAGS,
  PSS_PROCESS_FLAGS,
  PSS_THREAD_FLAGS,
} as const

/** Every table, by the name `spec/ARCHIVE.md` uses for it. */
export const NAME_TABLES = {
  ...PSS_ENUM_TABLES,
  MEM_STATE,
  MEM_TYPE,
  PAGE_PROTECTION,
  CONTEXT_FLAGS_X64,
  LINUX_OPEN_FLAGS,
  LINUX_MAPS_PERMISSIONS,
} as const
export type NameTableId = keyof typeof NAME_TABLES

const shortName = (t: NameTable, full: string) => (full.startsWith(t.prefix) ? full.slice(t.prefix.length) : full)

/** Name of an enum value (`SECTION`), or its decimal number when unknown. */
export function enumName(t: NameTable, value: number, short = true): string {
  const name = lookupOf(t).byValue.get(value)
  return name === undefined ? String(value) : short ? shortName(t, name) : name
}

/** What naming a value needs from a table, worked out once: a million-row table names a million values. */
interface Lookup {
  /** Each value's first name in the table's order (the name an enum, a mode or zero is shown by). */
  readonly byValue: ReadonlyMap<number, string>
  /** Flag members in matching order: multi-bit first (largest first), the mode's values and zero left out. */
  readonly members: readonly (readonly [string, number])[]
}

const lookups = new WeakMap<NameTable, Lookup>()

function lookupOf(t: NameTable): Lookup {
  let l = lookups.get(t)
  if (l === undefined) {
    const byValue = new Map<number, string>()
    for (const [name, v] of Object.entries(t.values)) if (!byValue.has(v)) byValue.set(v, name)
    const members = Object.entries(t.values)
      .filter(([, v]) => v !== 0 && (t.modeMask === undefined || (v & ~t.modeMask) !== 0))
      .sort((a, b) => popcount(b[1]) - popcount(a[1]) || b[1] - a[1])
    l = { byValue, members }
    lookups.set(t, l)
  }
  return l
}

/**
 * Names of the bits set in a flag value (`HANDLES|THREADS`, in ascending value after the access mode of a
 * table with one), unknown leftover bits as hex, `0` as the zero name.
 */
export function flagNames(t: NameTable, value: number, short = true): string {
  const names: string[] = []
  const hits: [string, number][] = []
  const full = value >>> 0
  let covered = 0
  const lookup = lookupOf(t)
  if (t.modeMask !== undefined) {
    // The mode is a value, not bits: RDONLY (0) is named too, and first.
    const mode = (full & t.modeMask) >>> 0
    const hit = lookup.byValue.get(mode)
    if (hit !== undefined) {
      names.push(short ? shortName(t, hit) : hit)
      covered = t.modeMask
    }
  }
  // Multi-bit members (CONTEXT_CONTROL = AMD64|1) are matched whole, largest first, before single bits.
  // Members may share bits (every CONTEXT_* has CONTEXT_AMD64), so each is matched against the whole
  // value and named when it adds a bit not already named.
  for (const [name, v] of lookup.members) {
    if (((full & v) >>> 0) === v >>> 0 && ((v & ~covered) >>> 0) !== 0) {
      hits.push([name, v >>> 0])
      covered = (covered | v) >>> 0
    }
  }
  for (const [name] of hits.sort((a, b) => a[1] - b[1])) names.push(short ? shortName(t, name) : name)
  const rest = (full & ~covered) >>> 0
  if (rest !== 0) names.push(`0x${rest.toString(16)}`)
  if (names.length === 0) {
    const zero = lookup.byValue.get(0)
    return zero !== undefined ? (short ? shortName(t, zero) : zero) : '0'
  }
  return names.join('|')
}

/** Names a value with the table's enum or flag rule. */
export function nameValue(t: NameTable, value: number, short = true): string {
  return t.isFlags ? flagNames(t, value, short) : enumName(t, value, short)
}

/** Parses `CAPTURE_HANDLES|CAPTURE_THREADS`, `PSS_CAPTURE_HANDLES`, `0x84` or `132` (and mixtures) into a number. */
export function parseFlags(t: NameTable, text: string): number {
  let value = 0
  for (const raw of text.split(/[|,+\s]+/).filter(Boolean)) {
    const part = raw.trim()
    if (/^(0x[0-9a-f]+|\d+)$/i.test(part)) {
      value = (value | Number(part)) >>> 0
      continue
    }
    const upper = part.toUpperCase()
    // Own properties only: `--flags constructor` must be an unknown name, not Object's constructor.
    const hit = Object.hasOwn(t.values, upper) ? t.values[upper] : Object.hasOwn(t.values, t.prefix + upper) ? t.values[t.prefix + upper] : undefined
    if (hit === undefined) throw new RangeError(`unknown ${t.title} name '${part}'`)
    value = (value | hit) >>> 0
  }
  return value
}

function popcount(v: number): number {
  let n = 0
  for (let x = v >>> 0; x !== 0; x &= x - 1) n++
  return n
}
