// The win32 code path of `pssnap capture` and `pssnap ps` on any OS, against the fake library (test/fake-pss/:
// fake_pss.c for PSS and the process handles, fake_process.c for Toolhelp32, GetProcessHandleCount and
// RtlGetVersion), through the same entry points the CLI uses (capture/index.ts, selected by the pssLibrary option
// or PSSNAP_PSS_LIBRARY) and through the built CLI itself (`npm run build` first).
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { CaptureFailedError, CaptureUnavailableError, captureToFile, listProcesses, resolveTarget, selectBackend } from '../capture/index.js'
import { Win32Error } from '../capture/windows/pss.js'
import { openArchiveFile } from '../reader/node.js'
import { CLI } from './helpers/cli.js'
import { loadFakePss } from './helpers/fake-pss.js'
import { fakeProcessControls, runCliWith } from './helpers/fake-process.js'

const { library, pss, control, fake } = await loadFakePss()
const toolhelp = fakeProcessControls(control)
const withFake = { pssLibrary: library }
const ENV = { PSSNAP_PSS_LIBRARY: library }

const dir = mkdtempSync(join(tmpdir(), 'pssnap-win-cli-'))
let n = 0
const outPath = () => join(dir, `capture-${++n}.pssnap`)

afterEach(() => {
  const live = { toolhelp: toolhelp.liveToolhelpSnapshots(), processHandles: fake.liveProcessHandles(), snapshots: fake.liveSnapshots(), markers: fake.liveMarkers() }
  toolhelp.reset()
  fake.reset()
  expect(live).toEqual({ toolhelp: 0, processHandles: 0, snapshots: 0, markers: 0 })
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
})
afterAll(() => {
  pss.close()
  control.unload()
  rmSync(dir, { recursive: true, force: true })
})

// fake_process.c's table, sorted by pid; handle counts only where the fake's OpenProcess opens (the PSS fixtures).
const TABLE = [
  { processId: 0, parentProcessId: 0, name: '[System Process]', threadCount: 8 },
  { processId: 4, parentProcessId: 0, name: 'System', threadCount: 180 },
  { processId: 612, parentProcessId: 4, name: 'svchost.exe', threadCount: 9 },
  { processId: 808, parentProcessId: 612, name: 'SvcHost.EXE', threadCount: 14 },
  { processId: 1000, parentProcessId: 4, name: 'explorer.exe', threadCount: 60 },
  { processId: 4242, parentProcessId: 1000, name: 'notepad.exe', threadCount: 2, handleCount: 8 },
  { processId: 5150, parentProcessId: 1000, name: 'ドキュメント.exe', threadCount: 3 },
  { processId: 31337, parentProcessId: 4242, name: 'app-😀.exe', threadCount: 40, handleCount: 4000 },
]

describe('backend selection', () => {
  it('a PSS library selects the Windows backend on any platform; the environment variable only when set', () => {
    expect(selectBackend({ pssLibrary: library, platform: 'linux' })).toEqual({ name: 'windows', library })
    expect(selectBackend({ platform: 'win32' })).toEqual({ name: 'windows' })
    expect(selectBackend({ platform: 'linux' })).toEqual({ name: 'linux' })
    const saved = process.env.PSSNAP_PSS_LIBRARY
    try {
      process.env.PSSNAP_PSS_LIBRARY = library
      expect(selectBackend({ platform: 'linux' })).toEqual({ name: 'windows', library })
      process.env.PSSNAP_PSS_LIBRARY = ''
      expect(selectBackend({ platform: 'linux' })).toEqual({ name: 'linux' })
    } finally {
      if (saved === undefined) delete process.env.PSSNAP_PSS_LIBRARY
      else process.env.PSSNAP_PSS_LIBRARY = saved
    }
    expect(() => selectBackend({ platform: 'darwin' })).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_PLATFORM' }))
  })

  it.runIf(process.platform !== 'win32')('the win32 backend without a library refuses kernel32 off Windows, typed', async () => {
    const error = await listProcesses({ platform: 'win32' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CaptureUnavailableError)
    expect(error).toMatchObject({ code: 'UNSUPPORTED_PLATFORM' })
  })
})

describe('process listing (Toolhelp32)', () => {
  it('lists every process of the snapshot with pid, parent, UTF-16 name, threads, and handles where it may open them', async () => {
    expect(await listProcesses(withFake)).toEqual(TABLE)
    // Listing opened (PROCESS_QUERY_LIMITED_INFORMATION) and closed what it counted: checked in afterEach.
    expect(fake.lastOpenAccess()).toBe(0x1000)
  })

  it('a failing CreateToolhelp32Snapshot is a Win32Error naming the call', async () => {
    toolhelp.setToolhelpError(5)
    const error = await listProcesses(withFake).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Win32Error)
    expect(error).toMatchObject({ code: 5, call: 'CreateToolhelp32Snapshot', symbolicName: 'ERROR_ACCESS_DENIED' })
  })
})

describe('targets by image name', () => {
  it('one match: any case, with or without .exe, non-ASCII names too; a pid needs no listing', async () => {
    expect(await resolveTarget('notepad', withFake)).toBe(4242)
    expect(await resolveTarget('NOTEPAD.EXE', withFake)).toBe(4242)
    expect(await resolveTarget('app-😀', withFake)).toBe(31337)
    expect(await resolveTarget('ドキュメント.EXE', withFake)).toBe(5150)
    toolhelp.setToolhelpError(5)
    expect(await resolveTarget('808', withFake)).toBe(808)
  })

  it('several matches are refused with the candidates listed; none is NO_SUCH_PROCESS', async () => {
    const ambiguous = await resolveTarget('svchost', withFake).catch((e: unknown) => e)
    expect(ambiguous).toBeInstanceOf(CaptureFailedError)
    expect(ambiguous).toMatchObject({ code: 'AMBIGUOUS_NAME' })
    expect((ambiguous as Error).message).toContain('2 processes are named')
    expect((ambiguous as Error).message).toMatch(/612 {2}svchost\.exe\n {2}808 {2}SvcHost\.EXE/)
    await expect(resolveTarget('notepad++', withFake)).rejects.toMatchObject({ code: 'NO_SUCH_PROCESS', message: expect.stringContaining("no process named 'notepad++'") })
  })
})

describe('capture through the entry point the CLI uses', () => {
  it('captures a process by pid into an archive with the OS version from RtlGetVersion', async () => {
    const out = outPath()
    const result = await captureToFile(4242, out, { ...withFake, preset: 'default' })
    expect(result).toMatchObject({ path: out, processId: 4242, captureErrors: 0, summary: { entryCounts: { handles: 8, threads: 2, vaSpace: 4 } } })
    const a = await openArchiveFile(out, { strict: true })
    expect(a.header.host).toMatchObject({ platform: 'windows', architecture: 'x64', osVersion: '10.0.22631', osBuild: '22631' })
    expect(a.header.target).toMatchObject({ processId: 4242, imagePath: 'C:\\Windows\\System32\\notepad.exe' })
    expect(a.header.capture).toMatchObject({ preset: 'default', captureFlags: 0x400019bc })
    expect(a.header.performanceCounters).toBeDefined()
  })

  it('raw flags override the preset; unknown presets are refused before anything is opened', async () => {
    const out = outPath()
    await captureToFile(31337, out, { ...withFake, flags: 0x4 | 0x8 })
    const a = await openArchiveFile(out, { strict: true })
    expect(a.header.capture.captureFlags).toBe(0xc)
    expect(a.header.capture.preset).toBeUndefined()
    expect(a.handles.length).toBe(4000)
    expect(a.threads.length).toBe(0)
    fake.reset()
    await expect(captureToFile(4242, outPath(), { ...withFake, preset: 'regions' })).rejects.toMatchObject({ code: 'BAD_PRESET' })
    expect(fake.lastOpenAccess()).toBe(0)
  })

  it.runIf(process.platform === 'linux')('a library without the PSS functions (Windows before 8.1, Wine) is PSS_UNAVAILABLE, not a crash', async () => {
    // glibc has none of the functions: the OS version is then simply absent, and binding PSS is refused, typed.
    const error = await captureToFile(4242, outPath(), { pssLibrary: 'libc.so.6' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CaptureUnavailableError)
    expect(error).toMatchObject({ code: 'PSS_UNAVAILABLE', message: expect.stringMatching(/^libc\.so\.6 cannot provide PssCaptureSnapshot \(the Process Snapshotting API needs Windows 8\.1 or later\)/) })
  })

  it.runIf(process.platform === 'linux')('the Linux backend refuses the Windows-only options, typed', async () => {
    await expect(captureToFile(process.pid, outPath(), { platform: 'linux', flags: 4 })).rejects.toMatchObject({ code: 'UNSUPPORTED_OPTION' })
    await expect(captureToFile(process.pid, outPath(), { platform: 'linux', debugPrivilege: true })).rejects.toMatchObject({ code: 'UNSUPPORTED_OPTION' })
  })
})

describe('the built CLI with PSSNAP_PSS_LIBRARY', () => {
  it('ps lists the fake table, as text and JSON', async () => {
    const json = await runCliWith(ENV, 'ps', '--json')
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ schema: 'pssnap.ps/1', processes: TABLE })
    const text = await runCliWith(ENV, 'ps')
    expect(text.code).toBe(0)
    expect(text.stdout.split('\n')[0]).toMatch(/^ *pid +ppid +handles +threads +name/)
    expect(text.stdout).toMatch(/\n 4242 +1000 +8 +2 +notepad\.exe\n/)
    expect(text.stdout).toMatch(/\n 1000 +4 +- +60 +explorer\.exe\n/)
    expect(text.stdout).toContain('app-😀.exe')
    // The fake's table is fixed, so ps's whole output is a file snapshot like every other verb's (cli-output).
    await expect(text.stdout).toMatchFileSnapshot('./__snapshots__/cli-output/ps-fake-table.txt')
    await expect(json.stdout).toMatchFileSnapshot('./__snapshots__/cli-output/ps-fake.json')
  })

  it('capture by image name, preset, flags; ambiguous and missing names fail with exit 1', async () => {
    const out = outPath()
    const ok = await runCliWith(ENV, 'capture', 'Notepad', '-o', out)
    expect(ok).toMatchObject({ code: 0, stderr: '' })
    expect(ok.stdout).toMatch(new RegExp(`^captured pid 4242: 8 handles, 2 threads, 4 regions in [\\d.]+ ms → ${out.replace(/[.\\]/g, '\\$&')} \\(`))
    const full = await runCliWith(ENV, 'capture', '31337', '--preset', 'full', '-o', outPath())
    expect(full.stdout).toContain('captured pid 31337: 4,000 handles, 40 threads, 300 regions')
    const flagged = await runCliWith(ENV, 'capture', '4242', '--flags', 'capture_threads', '-o', outPath())
    expect(flagged.stdout).toMatch(/^captured pid 4242: 2 threads in/)

    const ambiguous = await runCliWith(ENV, 'capture', 'svchost')
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.stderr).toBe("AMBIGUOUS_NAME - 2 processes are named 'svchost'; capture one by its pid:\n  612  svchost.exe\n  808  SvcHost.EXE\n")
    const missing = await runCliWith(ENV, 'capture', 'calc.exe')
    expect(missing).toMatchObject({ code: 1, stderr: "NO_SUCH_PROCESS - no process named 'calc.exe' (run 'pssnap ps' to list processes)\n" })
    const badFlags = await runCliWith(ENV, 'capture', '4242', '--flags', 'CAPTURE_NOTHING')
    expect(badFlags.code).toBe(1)
    expect(badFlags.stderr).toMatch(/^BAD_FLAGS - 'CAPTURE_NOTHING' is not a PSS_CAPTURE_FLAGS name/)
    // Nothing was written for the failures.
    expect(readdirSync(dir).filter((f) => !f.startsWith('capture-'))).toEqual([])
  })

  it.runIf(process.platform !== 'win32')('--debug-privilege without advapi32 still captures, with the failure recorded', async () => {
    const out = outPath()
    const r = await runCliWith(ENV, 'capture', '4242', '--debug-privilege', '-o', out)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('1 capture errors (see pssnap info)')
    const a = await openArchiveFile(out)
    expect(a.captureErrors[0]).toMatchObject({ section: 'process', operation: 'LoadLibrary' })
    expect(a.captureErrors[0]!.message).toMatch(/^SeDebugPrivilege not enabled: advapi32\.dll cannot be loaded/)
  })
})

describe('the built CLI never hangs on a PSS call (PSSNAP_FAKE_PSS_HANG blocks the fake\'s first PssCaptureSnapshot)', () => {
  /** The CLI with a blocked capture call; resolves when it exits, after `onHanging` ran once the call blocked. */
  function captureHanging(args: string[], onHanging: (child: ChildProcess) => void) {
    const env: NodeJS.ProcessEnv = { ...process.env, ...ENV, PSSNAP_FAKE_PSS_HANG: 'PssCaptureSnapshot' }
    delete env.FORCE_COLOR
    const child = spawn(process.execPath, [CLI, 'capture', '4242', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    const started = performance.now()
    let hangingAt = 0
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (!hangingAt && stderr.includes('fake-pss: PssCaptureSnapshot is hanging')) {
        hangingAt = performance.now()
        onHanging(child)
      }
    })
    return new Promise<{ code: number | null; stderr: string; msAfterHang: number; output: string }>((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      child.on('close', (code) => {
        clearTimeout(killer)
        resolve({ code, stderr, msAfterHang: hangingAt ? performance.now() - hangingAt : -1, output: `${performance.now() - started}` })
      })
    })
  }

  it('--timeout: TIMEOUT on stderr, exit 1 while the call is still blocked, nothing written', async () => {
    const out = outPath()
    const r = await captureHanging(['--timeout', '0.5', '-o', out], () => {})
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/\nTIMEOUT - cannot capture process 4242: PssCaptureSnapshot did not return within 0\.5 s \(--timeout\)/)
    expect(r.msAfterHang).toBeGreaterThan(0)
    expect(readdirSync(dir)).not.toContain(out.split('/').pop())
  })

  it('Ctrl-C (SIGINT) during the blocked call: INTERRUPTED, exit 130', async () => {
    const out = outPath()
    const r = await captureHanging(['-o', out], (child) => child.kill('SIGINT'))
    expect(r.code).toBe(130)
    expect(r.stderr).toMatch(/\nINTERRUPTED - SIGINT received: capture stopped; nothing written to '.*'/)
    expect(readdirSync(dir)).not.toContain(out.split('/').pop())
  })

  it('--timeout and --context-flags are checked: a bad value is a typed error, before anything runs', async () => {
    const zero = await runCliWith(ENV, 'capture', '4242', '--timeout', '0', '-o', outPath())
    expect(zero).toMatchObject({ code: 1, stderr: expect.stringMatching(/^BAD_TIMEOUT - --timeout must be a positive number of seconds/) })
    const names = await runCliWith(ENV, 'capture', '4242', '--preset', 'threads', '--context-flags', 'CONTEXT_ALL|NEON', '-o', outPath())
    expect(names).toMatchObject({ code: 1, stderr: expect.stringMatching(/^BAD_CONTEXT_FLAGS - 'NEON' is not a CONTEXT_\* flag of x64/) })
    const out = outPath()
    const ok = await runCliWith(ENV, 'capture', '4242', '--flags', 'CAPTURE_THREADS|CAPTURE_THREAD_CONTEXT_EXTENDED', '--context-flags', 'all,xstate', '-o', out)
    expect(ok.code).toBe(0)
    const a = await openArchiveFile(out)
    expect(a.header.capture.threadContextFlags).toBe(0x0010005f)
    expect(a.threads.get(0)?.contextRecord?.length).toBe(2112)
  })
})
