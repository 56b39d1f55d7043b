// `pssnap capture` of several processes (several pids, --all of a name, --tree): one archive each in the
// directory -o (default .), sharing a capture set (capture/targets.ts). A process that exited before its turn
// or may not be read is reported on its line and the others go on; the exit code is 1 if any failed.
import { mkdir, stat } from 'node:fs/promises'
import { safeText } from '../reader/display.js'
import { formatSize } from '../reader/text.js'
import { interruptSignal, interruption } from './interrupt.js'
import { CliError, count, stdoutOutput } from './io.js'

type Args = Record<string, unknown>

export async function captureMany(args: Args, targets: string[]): Promise<number> {
  if (args.self) throw new CliError('BAD_TARGETS', '--self captures one process: drop --all and --tree, or give pids instead')
  if (args.force) throw new CliError('BAD_TARGETS', '--force: archives of several processes get new names in the directory -o, never replacing a file')
  const lib = await import('../capture/targets.js')
  const directory = typeof args.output === 'string' ? args.output : '.'
  const resolved = await lib.resolveTargets({ targets, ...(args.tree === true ? { tree: true } : {}) })
  await mkdir(directory, { recursive: true, mode: 0o700 })
  if (!(await stat(directory)).isDirectory()) throw new CliError('NOT_A_DIRECTORY', `'${directory}' is not a directory: with several processes -o names the directory their archives go into`)
  const signal = interruptSignal()
  const preset = typeof args.preset === 'string' ? args.preset : undefined
  const flags = typeof args.flags === 'string' ? (await import('./capture-flags.js')).parseCaptureFlags(args.flags) : undefined
  const timeout = typeof args.timeout === 'number' ? args.timeout : undefined
  const options = {
    ...(preset ? { preset } : {}),
    ...(flags !== undefined ? { flags } : {}),
    ...(args.debugPrivilege ? { debugPrivilege: true } : {}),
    ...(typeof args.contextFlags === 'string' ? { threadContextFlags: args.contextFlags } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(args.tree === true && resolved[0] ? { root: resolved[0].processId } : {}),
    signal,
  }
  const out = stdoutOutput()
  const lines: Promise<void>[] = []
  let done = 0
  try {
    const result = await lib.captureTargets(resolved, directory, {
      ...options,
      onCapture: (c) => {
        done++
        lines.push(
          c.path
            ? Promise.resolve(out.write(`captured pid ${c.processId} → ${safeText(c.path)} (${formatSize(c.result!.summary.bytes)}${c.result!.captureErrors ? `, ${count(c.result!.captureErrors)} capture errors` : ''})\n`))
            : Promise.resolve(void process.stderr.write(`pid ${c.processId}: ${safeText(c.error!.code)} - ${safeText(c.error!.message)}\n`)),
        )
      },
    })
    await Promise.all(lines)
    const failed = result.captures.filter((c) => !c.path).length
    process.stderr.write(`${count(result.captures.length - failed)} of ${count(result.captures.length)} processes captured into ${safeText(directory)} (capture set ${result.captureSetId})\n`)
    return failed ? 1 : 0
  } catch (error) {
    await Promise.all(lines)
    const stopped = interruption(signal, `capture stopped after ${count(done)} of ${count(resolved.length)} processes; the one in progress was discarded`)
    if (stopped) throw stopped
    throw error
  }
}
