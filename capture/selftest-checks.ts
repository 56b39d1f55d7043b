// The invariants `pssnap selftest` checks in an archive of its own process, per section the preset captured.
// Pure functions over a decoded archive: what to expect comes in `SelfFacts` (this process as Node sees it), so
// the same checks judge a /proc capture and a PSS capture, and a capture of some other process fails them.
import type { Archive } from '../reader/index.js'

export interface SelftestCheck {
  preset: string
  name: string
  ok: boolean
  detail: string
}

export interface SelfFacts {
  processId: number
  /** The file this process holds open on purpose during the captures. */
  markerPath: string
  /** This process's executable (process.execPath, symlinks resolved). */
  executablePath: string
}

const CAPTURE_HANDLES = 0x4
const CAPTURE_HANDLE_NAME_INFORMATION = 0x8
const CAPTURE_THREADS = 0x80
const CAPTURE_VA_SPACE = 0x800
const CAPTURE_VA_SPACE_SECTION_INFORMATION = 0x1000
const CREATE_MEASURE_PERFORMANCE = 0x40000000
const MEM_IMAGE = 0x1000000
const PAGE_EXECUTE_ANY = 0x10 | 0x20 | 0x40 | 0x80

const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path
const hex = (v: bigint | number | undefined) => (v === undefined ? '?' : `0x${v.toString(16)}`)

/**
 * Whether a mapped file name designates `executable`. PSS names files by NT device path
 * (`\Device\HarddiskVolume3\Program Files\nodejs\node.exe` for `C:\Program Files\nodejs\node.exe`): the drive is
 * not comparable, the rest is, case-insensitively. /proc names the path itself.
 */
export function sameFile(mapped: string, executable: string): boolean {
  const drive = /^[A-Za-z]:(\\.*)$/.exec(executable)
  if (drive) return mapped.toLowerCase().endsWith(drive[1]!.toLowerCase())
  return mapped === executable
}

export function checkArchive(archive: Archive, preset: string, self: SelfFacts): SelftestCheck[] {
  const checks: SelftestCheck[] = []
  const check = (name: string, ok: boolean, detail: string) => checks.push({ preset, name, ok, detail })
  const flags = archive.header.capture.captureFlags
  const errors = archive.captureErrors
  check(
    'archive intact',
    archive.ok,
    `${archive.diagnostics.length} diagnostics${archive.diagnostics.length ? `: ${archive.diagnostics.map((d) => d.code).join(', ')}` : ''}; ${errors.length} capture errors${errors.length ? ` (${errors.map((e) => `${e.section}/${e.operation}${e.name ? ` ${e.name}` : ''}`).join(', ')})` : ''}`,
  )
  const pid = archive.header.target.processId
  check('own process id', pid === self.processId, `archive target ${pid}, this process ${self.processId}`)

  if (flags & CAPTURE_THREADS) {
    const threads = archive.threads.toArray()
    const foreign = threads.filter((t) => t.processId !== undefined && t.processId !== self.processId)
    check(
      'threads of this process',
      threads.length > 0 && foreign.length === 0,
      `${threads.length} threads${foreign.length ? `, ${foreign.length} of process ${foreign[0]!.processId} instead of ${self.processId}` : ''}`,
    )
  }
  if (flags & CAPTURE_HANDLES && flags & CAPTURE_HANDLE_NAME_INFORMATION) {
    const marker = baseName(self.markerPath)
    const hit = archive.handles.toArray().find((h) => h.objectName !== undefined && baseName(h.objectName) === marker)
    check(
      'file handle opened on purpose',
      hit !== undefined,
      hit ? `handle ${hex(hit.handle)} ${hit.typeName ?? ''} ${hit.objectName}`.replace(/ {2,}/g, ' ') : `no handle names ${marker} among ${archive.handles.length} handles`,
    )
  }
  if (flags & CAPTURE_VA_SPACE && flags & CAPTURE_VA_SPACE_SECTION_INFORMATION) {
    const regions = archive.vaSpace.toArray()
    const code = regions.find((r) => r.type === MEM_IMAGE && ((r.protect ?? 0) & PAGE_EXECUTE_ANY) !== 0 && r.mappedFileName !== undefined && sameFile(r.mappedFileName, self.executablePath))
    const named = regions.filter((r) => r.mappedFileName !== undefined && sameFile(r.mappedFileName, self.executablePath))
    check(
      'executable code is an image of node',
      code !== undefined,
      code
        ? `${hex(code.baseAddress)} (${hex(code.regionSize)} bytes, protect ${hex(code.protect)}) MEM_IMAGE ${code.mappedFileName}`
        : `no executable MEM_IMAGE region maps ${self.executablePath} among ${regions.length} regions (${named.length} regions name it)`,
    )
  }
  if (flags & CREATE_MEASURE_PERFORMANCE) {
    const counters = archive.header.performanceCounters
    check('performance counters', counters !== undefined, counters ? `total ${counters.totalWallClockPeriod ?? '?'} wall-clock ticks, ${counters.totalCycleCount ?? '?'} cycles` : 'PSS_CREATE_MEASURE_PERFORMANCE was asked, the archive has no performanceCounters')
  }
  return checks
}
