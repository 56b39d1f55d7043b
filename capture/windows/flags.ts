// Capture presets, the process access rights a set of capture flags needs (pss-reference §5.2) and the
// CONTEXT_ALL value of the caller's architecture. Pure functions: no koffi, usable by the CLI and tests.
import { PSS_CAPTURE_FLAGS } from '../../format/names.js'
import { CaptureFailedError } from '../errors.js'
import type { PssArch } from './types.js'

const F = PSS_CAPTURE_FLAGS.values as Readonly<Record<string, number>>
const flag = (name: string): number => F[name] ?? 0

export const CAPTURE = {
  VA_CLONE: flag('PSS_CAPTURE_VA_CLONE'),
  HANDLES: flag('PSS_CAPTURE_HANDLES'),
  HANDLE_NAME_INFORMATION: flag('PSS_CAPTURE_HANDLE_NAME_INFORMATION'),
  HANDLE_BASIC_INFORMATION: flag('PSS_CAPTURE_HANDLE_BASIC_INFORMATION'),
  HANDLE_TYPE_SPECIFIC_INFORMATION: flag('PSS_CAPTURE_HANDLE_TYPE_SPECIFIC_INFORMATION'),
  HANDLE_TRACE: flag('PSS_CAPTURE_HANDLE_TRACE'),
  THREADS: flag('PSS_CAPTURE_THREADS'),
  THREAD_CONTEXT: flag('PSS_CAPTURE_THREAD_CONTEXT'),
  THREAD_CONTEXT_EXTENDED: flag('PSS_CAPTURE_THREAD_CONTEXT_EXTENDED'),
  RESERVED_00000002: flag('PSS_CAPTURE_RESERVED_00000002'),
  VA_SPACE: flag('PSS_CAPTURE_VA_SPACE'),
  VA_SPACE_SECTION_INFORMATION: flag('PSS_CAPTURE_VA_SPACE_SECTION_INFORMATION'),
  MEASURE_PERFORMANCE: flag('PSS_CREATE_MEASURE_PERFORMANCE'),
} as const

const HANDLES = CAPTURE.HANDLES | CAPTURE.HANDLE_NAME_INFORMATION | CAPTURE.HANDLE_BASIC_INFORMATION | CAPTURE.HANDLE_TYPE_SPECIFIC_INFORMATION
const THREADS = CAPTURE.THREADS | CAPTURE.THREAD_CONTEXT
const MEMORY = CAPTURE.VA_SPACE | CAPTURE.VA_SPACE_SECTION_INFORMATION
// No VA clone by default: it costs PROCESS_CREATE_PROCESS, shows up as a new process and keeps a commit
// charge as large as the target's memory for the snapshot's lifetime (pss-reference §5.6).
const DEFAULT = HANDLES | THREADS | MEMORY | CAPTURE.MEASURE_PERFORMANCE

export type WindowsPreset = 'default' | 'full' | 'handles' | 'threads' | 'memory'

/** PSS_CAPTURE_FLAGS of each preset (`>>> 0` keeps them unsigned). */
export const WINDOWS_PRESETS: Readonly<Record<WindowsPreset, number>> = {
  default: DEFAULT >>> 0,
  full: (DEFAULT | CAPTURE.VA_CLONE) >>> 0,
  handles: HANDLES >>> 0,
  threads: THREADS >>> 0,
  memory: MEMORY >>> 0,
}

export function presetFlags(preset: string): number {
  if (!Object.prototype.hasOwnProperty.call(WINDOWS_PRESETS, preset)) {
    throw new CaptureFailedError('BAD_PRESET', `unknown preset '${preset}'; presets: ${Object.keys(WINDOWS_PRESETS).join(', ')}`)
  }
  return WINDOWS_PRESETS[preset as WindowsPreset]
}

export const PROCESS_ACCESS = {
  VM_READ: 0x10,
  DUP_HANDLE: 0x40,
  CREATE_PROCESS: 0x80,
  QUERY_INFORMATION: 0x400,
} as const

/**
 * The OpenProcess access mask for `captureFlags`: only what the flags need (pss-reference §5.2, partly
 * inferred there). Query information is always needed: process information is captured even with no flag.
 */
export function accessMaskFor(captureFlags: number): number {
  let access: number = PROCESS_ACCESS.QUERY_INFORMATION // threads, VA space, handle enumeration, process info
  if (captureFlags & CAPTURE.HANDLES) access |= PROCESS_ACCESS.DUP_HANDLE // handles are duplicated to inspect them
  if (captureFlags & CAPTURE.VA_SPACE_SECTION_INFORMATION) access |= PROCESS_ACCESS.VM_READ // PE headers, mapped names
  if (captureFlags & CAPTURE.VA_CLONE) access |= PROCESS_ACCESS.CREATE_PROCESS // the clone is a forked child
  return access
}

/**
 * Auxiliary pages: no public flag is documented to produce them (pss-reference §3.4). They are queried and
 * walked only when the flags could: with a VA clone, or the reserved bit 0x2, which sits where the order of the
 * query classes puts auxiliary pages [inf]. Asking otherwise only invites a spurious error from real Windows.
 */
export function auxiliaryPagesPossible(captureFlags: number): boolean {
  return (captureFlags & (CAPTURE.VA_CLONE | CAPTURE.RESERVED_00000002)) !== 0
}

/**
 * CONTEXT_* flags of each architecture (winnt.h): every value carries its architecture's bit (CONTEXT_AMD64,
 * CONTEXT_i386, CONTEXT_ARM64). Contexts come in the caller's format (pss-reference §2.1, §5.7), so the flags
 * are those of the architecture pssnap runs as. XSTATE asks for the extended state (AVX…): with
 * PSS_CAPTURE_THREAD_CONTEXT_EXTENDED the records grow past sizeof(CONTEXT).
 */
export const CONTEXT_FLAGS: Readonly<Record<PssArch, Readonly<Record<string, number>>>> = {
  x64: { CONTROL: 0x00100001, INTEGER: 0x00100002, SEGMENTS: 0x00100004, FLOATING_POINT: 0x00100008, DEBUG_REGISTERS: 0x00100010, FULL: 0x0010000b, ALL: 0x0010001f, XSTATE: 0x00100040 },
  x86: { CONTROL: 0x00010001, INTEGER: 0x00010002, SEGMENTS: 0x00010004, FLOATING_POINT: 0x00010008, DEBUG_REGISTERS: 0x00010010, EXTENDED_REGISTERS: 0x00010020, FULL: 0x00010007, ALL: 0x0001003f, XSTATE: 0x00010040 },
  arm64: { CONTROL: 0x00400001, INTEGER: 0x00400002, FLOATING_POINT: 0x00400004, DEBUG: 0x00400008, X18: 0x00400010, FULL: 0x00400007, ALL: 0x0040001f },
}

/** CONTEXT_ALL of the caller's architecture: contexts come in the caller's format (§2.1, §5.7). */
export const CONTEXT_ALL: Readonly<Record<PssArch, number>> = { x64: CONTEXT_FLAGS.x64.ALL!, x86: CONTEXT_FLAGS.x86.ALL!, arm64: CONTEXT_FLAGS.arm64.ALL! }

/**
 * The ThreadContextFlags to pass: CONTEXT_ALL when contexts are captured, plus CONTEXT_XSTATE with
 * PSS_CAPTURE_THREAD_CONTEXT_EXTENDED where the architecture has it; else 0 (the argument is unused).
 */
export function defaultThreadContextFlags(captureFlags: number, arch: PssArch): number {
  if (!(captureFlags & (CAPTURE.THREAD_CONTEXT | CAPTURE.THREAD_CONTEXT_EXTENDED))) return 0
  const xstate = captureFlags & CAPTURE.THREAD_CONTEXT_EXTENDED ? (CONTEXT_FLAGS[arch].XSTATE ?? 0) : 0
  return (CONTEXT_ALL[arch] | xstate) >>> 0
}

/**
 * `--context-flags`: a 32-bit number (`0x10001f`), or names of `arch` joined by `|` or `,`, with or without the
 * `CONTEXT_` prefix, any case (`ALL|XSTATE`, `CONTEXT_CONTROL,CONTEXT_INTEGER`). Throws BAD_CONTEXT_FLAGS.
 */
export function parseContextFlags(text: string, arch: PssArch): number {
  const t = text.trim()
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t) && Number(t) <= 0xffffffff) return Number(t) >>> 0
  const table = CONTEXT_FLAGS[arch]
  let flags = 0
  for (const part of t.split(/[|,]/)) {
    const name = part.trim().toUpperCase().replace(/^CONTEXT_/, '')
    if (name === '' || !Object.hasOwn(table, name)) {
      throw new CaptureFailedError('BAD_CONTEXT_FLAGS', `'${part.trim()}' is not a CONTEXT_* flag of ${arch} or a 32-bit number; names: ${Object.keys(table).join(', ')}`)
    }
    flags |= table[name]!
  }
  return flags >>> 0
}
