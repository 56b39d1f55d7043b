// The capture pipeline in the Windows build of Node, with koffi's Windows binary, under Wine: the fake PSS
// library built as a DLL with mingw-w64, the cases of test/pipeline-cases.ts (the ones
// capture-windows-pipeline.test.ts runs on Linux) run by test/wine/run-pipeline.ts in node.exe, their outcomes
// read back from a result file. This exercises the Windows x64 calling convention, koffi's Windows build and
// Node's Windows file APIs; it claims nothing about real PSS behaviour (Wine has no Pss* functions: the binding
// loads the fake DLL through its explicit library option).
//
// Needs wine64 and gcc-mingw-w64-x86-64 (.ci/run installs them and sets PSSNAP_REQUIRE_WINE=1, which turns
// their absence into a failure); elsewhere, without them, the run is skipped with a warning.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openArchiveFile } from '../reader/node.js'
import { buildFakePssDll } from './fake-pss/build-dll.js'
import { caseName, PIPELINE_CASES } from './pipeline-cases.js'
import { buildWineApp } from './wine/app.js'
import type { WineCaseResult, WineRunResult } from './wine/run-pipeline.js'
import { runUnderWine, stopWineserver, type WineRun } from './wine/run-wine.js'
import { findWineTools, windowsPath } from './wine/tools.js'
import { fetchWindowsNode, koffiVersion, WINDOWS_NODE_VERSION } from './wine/windows-node.js'

const REQUIRED = process.env.PSSNAP_REQUIRE_WINE === '1'
const found = findWineTools()
const skip = found.tools === undefined && !REQUIRED
if (skip) console.warn(`test/wine.test.ts skipped: ${found.missing.join(', ')} not found (set PSSNAP_REQUIRE_WINE=1 to make this a failure)`)

/** Prefix creation alone takes 10-30 s; the cases a few seconds natively, several times that under Wine. */
const WINE_TIMEOUT_MS = 420_000

describe.skipIf(skip)(`the pipeline cases in Windows Node ${WINDOWS_NODE_VERSION} under Wine, against the fake PSS DLL`, () => {
  let work: string | undefined
  let prefix: string | undefined
  const timings: Record<string, number> = {}
  let result: WineRunResult | undefined
  let byName = new Map<string, WineCaseResult>()
  /** The built CLI's own runs under Wine (Windows backend on the fake DLL through PSSNAP_PSS_LIBRARY). */
  const cliRuns = new Map<string, WineRun>()
  let capturedArchive: string | undefined

  beforeAll(async () => {
    if (!found.tools) throw new Error(`PSSNAP_REQUIRE_WINE=1 but ${found.missing.join(', ')} not found`)
    const tools = found.tools
    work = mkdtempSync(join(tmpdir(), 'pssnap-wine-'))
    prefix = join(work, 'prefix')
    let t = performance.now()
    const dll = buildFakePssDll()
    const windowsNode = fetchWindowsNode()
    const app = await buildWineApp(join(work, 'app'), windowsNode.koffiWin32Dir, dll)
    timings.setupMs = Math.round(performance.now() - t)
    const resultFile = join(work, 'result.json')
    t = performance.now()
    const run = await runUnderWine({
      tools,
      prefix,
      exe: windowsNode.nodeExe,
      args: [windowsPath(app.script), windowsPath(app.library), windowsPath(resultFile)],
      logFile: join(work, 'wine.log'),
      timeoutMs: WINE_TIMEOUT_MS,
      cwd: app.dir,
    })
    timings.wineMs = run.ms
    const tail = run.log.split('\n').slice(-40).join('\n')
    if (run.timedOut) throw new Error(`the Wine run took more than ${WINE_TIMEOUT_MS / 1000} s; its log ends with:\n${tail}`)
    if (!existsSync(resultFile)) throw new Error(`the Wine run wrote no result (exit ${run.exitCode ?? run.signal}); its log ends with:\n${tail}`)
    result = JSON.parse(readFileSync(resultFile, 'utf8')) as WineRunResult
    if (result.setupError) throw new Error(`the fake DLL could not be loaded under Wine: ${result.setupError}\n${tail}`)
    byName = new Map(result.cases.map((c) => [c.name, c]))
    // The CLI as a Windows user runs it: `ps`, capture by image name, selftest, in the prefix made above.
    const cli = (name: string, args: string[], env: Record<string, string> = {}) =>
      runUnderWine({ tools, prefix: prefix!, exe: windowsNode.nodeExe, args: [windowsPath(app.cli), ...args], logFile: join(work!, `cli-${name}.log`), timeoutMs: 120_000, cwd: app.dir, env: { PSSNAP_PSS_LIBRARY: windowsPath(app.library), ...env } }).then((r) => {
        cliRuns.set(name, r)
      })
    t = performance.now()
    capturedArchive = join(work, 'notepad.pssnap')
    await cli('ps', ['ps', '--json'])
    await cli('capture', ['capture', 'NOTEPAD', '-o', windowsPath(capturedArchive)])
    await cli('selftest', ['selftest', '--json'])
    // The fake's first PssCaptureSnapshot blocks for good: the CLI must give up at its deadline and exit.
    await cli('timeout', ['capture', '4242', '--timeout', '2', '-o', windowsPath(join(work, 'never.pssnap'))], { PSSNAP_FAKE_PSS_HANG: 'PssCaptureSnapshot' })
    timings.cliMs = Math.round(performance.now() - t)
    console.log(`Wine CLI runs (ps, capture, selftest, timeout): ${timings.cliMs} ms`)
    console.log(`Wine run: setup ${timings.setupMs} ms (DLL, npm pack, bundle), wine ${timings.wineMs} ms (prefix creation included), cases ${result.cases.reduce((s, c) => s + c.ms, 0)} ms; ${JSON.stringify(result.runtime)}`)
  }, WINE_TIMEOUT_MS + 120_000)

  afterAll(() => {
    if (found.tools && prefix) stopWineserver(found.tools, prefix)
    if (work) rmSync(work, { recursive: true, force: true })
  }, 120_000)

  it('ran in the Windows build of Node with koffi’s Windows binary of the installed version', () => {
    expect(result?.runtime).toMatchObject({ node: `v${WINDOWS_NODE_VERSION}`, platform: 'win32', arch: 'x64', koffi: koffiVersion() })
  })

  it('reported every case of test/pipeline-cases.ts, once, in order', () => {
    expect(result?.cases.map((c) => c.name)).toEqual(PIPELINE_CASES.map(caseName))
  })

  it('the built CLI lists the fake\'s processes through Toolhelp32 (ps --json)', () => {
    const run = cliRuns.get('ps')
    expect(run?.exitCode, run?.log).toBe(0)
    const listing = JSON.parse(run!.log) as { schema: string; processes: { processId: number; name: string; handleCount?: number }[] }
    expect(listing.schema).toBe('pssnap.ps/1')
    expect(listing.processes.map((p) => p.name)).toEqual(expect.arrayContaining(['notepad.exe', 'SvcHost.EXE', 'ドキュメント.exe', 'app-😀.exe']))
    expect(listing.processes.find((p) => p.processId === 4242)?.handleCount).toBe(8)
  })

  it('the built CLI captures by image name in any case; the archive written by Windows Node reads back here', async () => {
    const run = cliRuns.get('capture')
    expect(run?.exitCode, run?.log).toBe(0)
    expect(run?.log).toMatch(/^captured pid 4242: 8 handles, 2 threads, 4 regions/)
    const archive = await openArchiveFile(capturedArchive!)
    expect(archive.diagnostics).toEqual([])
    expect(archive.header.target.processId).toBe(4242)
    expect(archive.header.host).toMatchObject({ platform: 'windows', osVersion: expect.stringMatching(/^\d+\.\d+/) })
    expect([archive.handles.length, archive.threads.length, archive.vaSpace.length]).toEqual([8, 2, 4])
  })

  it('the built CLI\'s selftest runs on the win32 path and fails its checks about itself (the fake is not pssnap), exit 1', () => {
    const run = cliRuns.get('selftest')
    expect(run?.exitCode, run?.log).toBe(1)
    const report = JSON.parse(run!.log) as { schema: string; ok: boolean; backend: string; os: { platform: string }; checks: { ok: boolean }[] }
    expect(report).toMatchObject({ schema: 'pssnap.selftest/1', backend: 'windows', os: { platform: 'win32' } })
    expect(report.ok).toBe(false)
    expect(report.checks.some((c) => !c.ok)).toBe(true)
  })

  it('the built CLI gives up on a PssCaptureSnapshot that never returns: TIMEOUT, exit 1, nothing written', () => {
    const run = cliRuns.get('timeout')
    expect(run?.timedOut, run?.log).toBe(false)
    expect(run?.exitCode, run?.log).toBe(1)
    expect(run?.log).toContain('TIMEOUT - cannot capture process 4242: PssCaptureSnapshot did not return within 2 s')
    expect(existsSync(join(work!, 'never.pssnap'))).toBe(false)
  })

  it.each(PIPELINE_CASES.map(caseName))('%s', (name) => {
    const outcome = byName.get(name)
    expect(outcome, 'no result for this case').toBeDefined()
    // The error text from Windows Node is the assertion's message and stack: shown as is when the case failed.
    expect(outcome?.error).toBeUndefined()
    expect(outcome?.ok).toBe(true)
    expect(outcome?.liveAfter).toEqual({ snapshots: 0, markers: 0, processHandles: 0, clones: 0, doubleReleases: 0 })
  })
})
