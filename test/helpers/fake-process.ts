// The fake's process-listing controls (test/fake-pss/fake_process.c) and a CLI runner that selects the Windows
// backend with PSSNAP_PSS_LIBRARY, for the tests of the win32 code path on any OS.
import { execFile } from 'node:child_process'
import type { KoffiLibrary } from '../../capture/windows/koffi.js'
import { CLI, type CliResult } from './cli.js'

export function fakeProcessControls(control: KoffiLibrary) {
  return {
    setToolhelpError: control.func('FakeProcessSetToolhelpError', 'void', ['uint32_t']) as (error: number) => void,
    liveToolhelpSnapshots: control.func('FakeProcessLiveToolhelpSnapshots', 'uint32_t', []) as () => number,
    reset: control.func('FakeProcessReset', 'void', []) as () => void,
  }
}

/** Runs the built CLI with `env` added to (or, for undefined values, removed from) this environment. */
export function runCliWith(env: Record<string, string | undefined>, ...args: string[]): Promise<CliResult> {
  const full: NodeJS.ProcessEnv = { ...process.env }
  delete full.FORCE_COLOR
  delete full.NO_COLOR
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k]
    else full[k] = v
  }
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, env: full, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}
