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

/** CONTEXT_ALL of the caller's architecture: contexts come in the caller's format (§2.1, §5.7). */
export const CONTEXT_ALL: Readonly<Record<PssArch, number>> = { x64: 0x0010001f, x86: 0x0001003f, arm64: 0x0040001f }

/** The ThreadContextFlags to pass: CONTEXT_ALL when contexts are captured, else 0 (the argument is unused). */
export function defaultThreadContextFlags(captureFlags: number, arch: PssArch): number {
  return captureFlags & (CAPTURE.THREAD_CONTEXT | CAPTURE.THREAD_CONTEXT_EXTENDED) ? CONTEXT_ALL[arch] : 0
}
