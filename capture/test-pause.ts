// Test-only hook: PSSNAP_TEST_ONLY_PAUSE=<stage>:<ms> holds a capture for <ms> at one stage, announced on
// stderr as `pssnap-test-only: paused at <stage>`, so the interrupt tests (test/capture-interrupt.test.ts)
// can send a signal at a known point. Stages: `capture` (the process is read, nothing is written yet) and
// `write` (every entry is in the temporary file; the epilogue and the rename are still to come); `hold` (Linux
// --registers/--memory: every thread is held with ptrace, before the registers are read).
// The pause ends early when `signal` aborts. Unset in normal use: then this does nothing.
export function testOnlyPause(stage: 'capture' | 'write' | 'hold', signal?: AbortSignal): Promise<void> | undefined {
  const setting = globalThis.process?.env?.PSSNAP_TEST_ONLY_PAUSE
  if (!setting) return undefined
  const [at, ms] = setting.split(':')
  if (at !== stage) return undefined
  process.stderr.write(`pssnap-test-only: paused at ${stage}\n`)
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Number(ms) || 0)
    signal?.addEventListener('abort', done)
  })
}
