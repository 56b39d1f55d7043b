// What a Linux capture reads, by preset, and the PSS_CAPTURE_FLAGS bits recorded for it: the flags say
// which PSS capture the archive corresponds to, so readers treat both platforms' archives alike.
import { CaptureFailedError } from '../errors.js'

export type LinuxSection = 'handles' | 'threads' | 'vaSpace'

const FLAGS: Record<LinuxSection, number> = {
  handles: 0x4 | 0x8, // PSS_CAPTURE_HANDLES | PSS_CAPTURE_HANDLE_NAME_INFORMATION (types and link targets)
  threads: 0x80, // PSS_CAPTURE_THREADS (no contexts: threadContextFlags 0)
  vaSpace: 0x800 | 0x1000, // PSS_CAPTURE_VA_SPACE | PSS_CAPTURE_VA_SPACE_SECTION_INFORMATION (mapped file names)
}

export const LINUX_PRESETS: Readonly<Record<string, readonly LinuxSection[]>> = {
  default: ['handles', 'threads', 'vaSpace'],
  full: ['handles', 'threads', 'vaSpace'],
  handles: ['handles'],
  threads: ['threads'],
  regions: ['vaSpace'],
  memory: ['vaSpace'],
  minimal: [],
}

/**
 * Presets that read smaps for each region's resident, proportional and swapped sizes. Not the default: the
 * kernel walks every page table for smaps, holding the target's mmap lock, which is 10-20× the cost of maps
 * on a busy process (spec/LINUX.md §4) — too slow and too intrusive for a capture meant to be quick.
 */
const REGION_SIZE_PRESETS: ReadonlySet<string> = new Set(['full', 'memory'])

export const presetReadsRegionSizes = (preset: string) => REGION_SIZE_PRESETS.has(preset)

export function presetSections(preset: string): readonly LinuxSection[] {
  const sections = LINUX_PRESETS[preset]
  if (!sections) throw new CaptureFailedError('BAD_PRESET', `unknown preset '${preset}'; presets: ${Object.keys(LINUX_PRESETS).join(', ')}`)
  return sections
}

export function captureFlagsOf(sections: readonly LinuxSection[]): number {
  return sections.reduce((flags, s) => flags | FLAGS[s], 0)
}
