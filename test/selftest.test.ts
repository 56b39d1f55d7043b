// `pssnap selftest` (capture/selftest.ts, cli/selftest.ts): for real on Linux (pssnap captures itself from /proc
// and every check must pass), and on the win32 code path against the fake library, whose captured process is the
// fixture's (pid 4242), not this one: the checks about "itself" must fail, clearly, and the CLI must exit 1.
import { describe, expect, it } from 'vitest'
import { sameFile } from '../capture/selftest-checks.js'
import { runSelftest } from '../capture/selftest.js'
import { loadFakePss } from './helpers/fake-pss.js'
import { runCliWith } from './helpers/fake-process.js'

const { library, fake } = await loadFakePss()

describe('mapped file names', () => {
  it('an NT device path matches the drive path of the same file, any case; other files do not', () => {
    expect(sameFile('\\Device\\HarddiskVolume3\\Program Files\\nodejs\\node.exe', 'C:\\Program Files\\nodejs\\node.exe')).toBe(true)
    expect(sameFile('\\Device\\HarddiskVolume3\\PROGRAM FILES\\NodeJS\\NODE.EXE', 'C:\\Program Files\\nodejs\\node.exe')).toBe(true)
    expect(sameFile('\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll', 'C:\\Program Files\\nodejs\\node.exe')).toBe(false)
    expect(sameFile('/usr/bin/node', '/usr/bin/node')).toBe(true)
    expect(sameFile('/usr/lib/libnode.so', '/usr/bin/node')).toBe(false)
  })
})

describe.runIf(process.platform === 'linux')('on Linux, for real (/proc)', () => {
  it('every preset captures this process and every invariant holds', async () => {
    const report = await runSelftest({ platform: 'linux' })
    expect(report.checks.filter((c) => !c.ok)).toEqual([])
    expect(report).toMatchObject({ schema: 'pssnap.selftest/1', ok: true, backend: 'linux', processId: process.pid })
    expect(report.os).not.toHaveProperty('osBuild')
    const byPreset = (preset: string) => report.checks.filter((c) => c.preset === preset).map((c) => c.name)
    expect(byPreset('default')).toEqual(['capture', 'archive intact', 'own process id', 'threads of this process', 'file handle opened on purpose', 'executable code is an image of node'])
    expect(byPreset('minimal')).toEqual(['capture', 'archive intact', 'own process id'])
    expect(new Set(report.checks.map((c) => c.preset))).toEqual(new Set(['default', 'full', 'handles', 'threads', 'regions', 'memory', 'minimal']))
    const handle = report.checks.find((c) => c.name === 'file handle opened on purpose')!
    expect(handle.detail).toMatch(new RegExp(`File /.*/pssnap-selftest-${process.pid}-\\w+\\.marker$`))
    expect(report.checks.find((c) => c.name === 'executable code is an image of node')!.detail).toMatch(/MEM_IMAGE \//)
  })

  it('pssnap selftest prints the report and exits 0', async () => {
    const r = await runCliWith({ PSSNAP_PSS_LIBRARY: undefined }, 'selftest')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/^pssnap selftest: .*\nversions: pssnap \d+\.\d+\.\d+\S*, node v\d+\S*\nos: linux /)
    expect(r.stdout).toContain('\npreset default\n  PASS  capture: default.pssnap: ')
    expect(r.stdout).not.toContain('FAIL')
    expect(r.stdout).toMatch(/\n(\d+) checks: \1 passed, 0 failed\n$/)
  })
})

describe('on the win32 code path against the fake (not this process)', () => {
  it('captures with every Windows preset, and the checks about itself fail with what was found instead', async () => {
    fake.reset()
    const report = await runSelftest({ pssLibrary: library })
    expect(report).toMatchObject({ ok: false, backend: 'windows', pssLibrary: library, os: { osVersion: '10.0.22631', osBuild: '22631' } })
    expect(report.versions.koffi).toMatch(/^\d+\.\d+\.\d+/)
    const check = (preset: string, name: string) => report.checks.find((c) => c.preset === preset && c.name === name)
    for (const preset of ['default', 'full', 'handles', 'threads', 'memory']) {
      expect(check(preset, 'capture')?.ok).toBe(true)
      expect(check(preset, 'archive intact')?.ok).toBe(true)
      expect(check(preset, 'own process id')).toMatchObject({ ok: false, detail: `archive target 4242, this process ${process.pid}` })
    }
    expect(check('threads', 'threads of this process')).toMatchObject({ ok: false, detail: `2 threads, 2 of process 4242 instead of ${process.pid}` })
    expect(check('handles', 'file handle opened on purpose')).toMatchObject({ ok: false, detail: expect.stringMatching(/^no handle names pssnap-selftest-\d+-\w+\.marker among 8 handles$/) })
    expect(check('memory', 'executable code is an image of node')).toMatchObject({ ok: false, detail: expect.stringMatching(/^no executable MEM_IMAGE region maps .*node.* among 4 regions/) })
    // What the fake does provide passes: performance counters when measured.
    expect(check('default', 'performance counters')?.ok).toBe(true)
    expect(check('handles', 'performance counters')).toBeUndefined()
    expect(fake.liveSnapshots() + fake.liveMarkers() + fake.liveProcessHandles()).toBe(0)
  })

  it('pssnap selftest reports FAIL lines and exits 1', async () => {
    const r = await runCliWith({ PSSNAP_PSS_LIBRARY: library }, 'selftest')
    expect(r.code).toBe(1)
    expect(r.stdout).toContain(`backend: windows bound to ${library} (PSSNAP_PSS_LIBRARY); this process: `)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}own process id: archive target 4242, this process \d+\n/)
    expect(r.stdout).toMatch(/\n\d+ checks: \d+ passed, [1-9]\d* failed\nSomething is wrong: attach this whole report to an issue/)
    const json = await runCliWith({ PSSNAP_PSS_LIBRARY: library }, 'selftest', '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ schema: 'pssnap.selftest/1', ok: false, backend: 'windows' })
  })
})
