// `pssnap selftest`: pssnap captures its own process with every preset of the backend that runs here and checks
// what it knows about itself (capture/selftest-checks.ts): its pid, its threads, a file it opened on purpose,
// its own executable mapped as an image, PSS performance counters when measured. The report (versions, OS, each
// check with its details) is meant to be attached to an issue; on Windows it is the first thing to ask for.
// The same entry points as `pssnap capture` are used, so the backend selection (PSSNAP_PSS_LIBRARY) applies.
import { closeSync, mkdtempSync, openSync, realpathSync, rmSync, writeSync } from 'node:fs'
import { arch, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openArchiveFile } from '../reader/node.js'
import { capturePresets, captureToFile, selectBackend, type BackendName, type BackendSelection } from './index.js'
import { pssnapVersion } from './linux/producer.js'
import { checkArchive, type SelftestCheck } from './selftest-checks.js'

export type { SelftestCheck }

export interface SelftestReport {
  schema: 'pssnap.selftest/1'
  /** True when every check passed. */
  ok: boolean
  backend: BackendName
  /** The PSS library bound instead of kernel32/ntdll (tests), when one was. */
  pssLibrary?: string
  versions: { pssnap: string; node: string; koffi?: string }
  /** Node's view of the OS; osVersion/osBuild: the running Windows version (RtlGetVersion), Windows backend only. */
  os: { platform: string; release: string; architecture: string; osVersion?: string; osBuild?: string }
  processId: number
  checks: SelftestCheck[]
}

export async function runSelftest(selection: BackendSelection = {}): Promise<SelftestReport> {
  const backend = selectBackend(selection)
  const report: SelftestReport = {
    schema: 'pssnap.selftest/1',
    ok: false,
    backend: backend.name,
    ...(backend.library !== undefined ? { pssLibrary: backend.library } : {}),
    versions: { pssnap: pssnapVersion(), node: process.version },
    os: { platform: process.platform, release: release(), architecture: arch() },
    processId: process.pid,
    checks: [],
  }
  const pinned: BackendSelection = backend.library !== undefined ? { pssLibrary: backend.library } : { platform: backend.name === 'windows' ? 'win32' : 'linux' }
  if (backend.name === 'windows') {
    try {
      report.versions.koffi = (await import('./windows/koffi.js').then((m) => m.loadKoffi())).version
      // The running Windows version (Node's os.release() is what Wine or a manifest claims, RtlGetVersion is not).
      const version = await (await import('./windows/os-version.js')).readWindowsVersion(backend.library)
      if (version) Object.assign(report.os, version)
    } catch (error) {
      report.checks.push({ preset: '-', name: 'koffi loads', ok: false, detail: (error as Error).message })
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-selftest-'))
  const markerPath = join(dir, `pssnap-selftest-${process.pid}-${Date.now().toString(36)}.marker`)
  const marker = openSync(markerPath, 'w')
  try {
    writeSync(marker, 'held open by pssnap selftest\n')
    const self = { processId: process.pid, markerPath: realpathSync(markerPath), executablePath: realpathSync(process.execPath) }
    for (const preset of await capturePresets(pinned)) {
      const output = join(dir, `${preset}.pssnap`)
      try {
        await captureToFile('self', output, { ...pinned, preset })
      } catch (error) {
        const e = error as { code?: unknown; message?: string }
        report.checks.push({ preset, name: 'capture', ok: false, detail: `${typeof e.code === 'string' || typeof e.code === 'number' ? `${e.code} - ` : ''}${e.message ?? String(error)}` })
        continue
      }
      const archive = await openArchiveFile(output)
      report.checks.push({ preset, name: 'capture', ok: true, detail: `${output.slice(dir.length + 1)}: ${archive.byteLength} bytes, capture flags 0x${archive.header.capture.captureFlags.toString(16)}` })
      report.checks.push(...checkArchive(archive, preset, self))
    }
  } finally {
    closeSync(marker)
    rmSync(dir, { recursive: true, force: true })
  }
  report.ok = report.checks.length > 0 && report.checks.every((c) => c.ok)
  return report
}
