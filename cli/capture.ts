// `pssnap capture` and `pssnap ps`: thin wrappers over pssnap/capture, which picks the platform backend
// (and refuses, typed, where there is none). Loaded only when one of these commands runs.
import { basename } from 'node:path'
import { safeText } from '../reader/display.js'
import { displayCell, formatSize } from '../reader/text.js'
import { interruptSignal, interruption } from './interrupt.js'
import { captureFileName, checkOutput, CliError, count, stdoutOutput, styleFor } from './io.js'

type Args = Record<string, unknown>

export async function capture(args: Args): Promise<number> {
  const lib = await import('../capture/index.js')
  const target = args.target === undefined ? undefined : String(args.target)
  const pid = args.self ? 'self' : await lib.resolveTarget(target!)
  // Default `<image>_<pid>_<YYYYMMDD_HHMMSS>.pssnap`: a series of captures never overwrites itself.
  const processId = pid === 'self' ? process.pid : pid
  const image = typeof args.output === 'string' ? undefined : (await lib.listProcesses().catch(() => [])).find((p) => p.processId === processId)
  const output = typeof args.output === 'string' ? args.output : await captureFileName(image?.imagePath ?? image?.name, processId)
  await checkOutput(output, { force: args.force === true })
  const preset = typeof args.preset === 'string' ? args.preset : undefined
  const flags = typeof args.flags === 'string' ? (await import('./capture-flags.js')).parseCaptureFlags(args.flags) : undefined
  const signal = interruptSignal()
  const timeout = args.timeout === undefined ? undefined : Number(args.timeout)
  if (timeout !== undefined && !(timeout > 0)) throw new CliError('BAD_TIMEOUT', `--timeout must be a positive number of seconds, not '${String(args.timeout)}'`)
  const windowsOnly = { ...(typeof args.contextFlags === 'string' ? { threadContextFlags: args.contextFlags } : {}), ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}) }
  const options = { ...(preset ? { preset } : {}), ...(flags !== undefined ? { flags } : {}), ...(args.debugPrivilege ? { debugPrivilege: true } : {}), ...windowsOnly, signal }
  const result = await lib.captureToFile(pid, output, options).catch(async (error: unknown) => {
    // A PSS call given up on (deadline, Ctrl-C) still runs on a worker thread and keeps Node alive: once the
    // error is reported, exit with its code (the OS releases what that call holds).
    if ((await lib.pendingNativeCalls()) > 0) setTimeout(() => void lib.exitDespiteBlockedCalls(Number(process.exitCode ?? 1)), 200).unref()
    const stopped = interruption(signal, `capture stopped; nothing written to '${output}'`)
    if (stopped) throw stopped
    // The archive goes through a temporary file beside it: name the file asked for, not that one.
    const e = error as NodeJS.ErrnoException
    if (typeof e?.path === 'string' && basename(e.path).startsWith(`.${basename(output)}.`)) {
      throw new CliError(e.code ?? 'EIO', `cannot write '${output}': ${/^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] ?? e.message}`)
    }
    // A Win32 failure (numeric code) is reported by its ERROR_ name.
    const w = error as { name?: string; symbolicName?: string; message?: string }
    if (w?.name === 'Win32Error') throw new CliError(w.symbolicName ?? 'WIN32_ERROR', w.message ?? '')
    throw error
  })
  const n = result.summary.entryCounts
  const parts = [
    n.handles !== undefined ? `${count(n.handles)} handles` : undefined,
    n.threads !== undefined ? `${count(n.threads)} threads` : undefined,
    n.vaSpace !== undefined ? `${count(n.vaSpace)} regions` : undefined,
  ].filter(Boolean)
  const s = styleFor(process.stdout, typeof args.color === 'boolean' ? args.color : undefined)
  const errors = result.captureErrors ? s.yellow(`, ${count(result.captureErrors)} capture errors (see pssnap info)`) : ''
  await stdoutOutput().write(
    `captured pid ${result.processId}${parts.length ? `: ${parts.join(', ')}` : ''}${errors} in ${Number((result.timings.captureMs ?? 0).toFixed(1))} ms → ${safeText(output)} (${formatSize(result.summary.bytes)})\n`,
  )
  return 0
}

export async function ps(args: Args): Promise<number> {
  const lib = await import('../capture/index.js')
  const processes = await lib.listProcesses()
  const out = stdoutOutput()
  if (args.json) {
    await out.write(`${JSON.stringify({ schema: 'pssnap.ps/1', processes }, null, 2)}\n`)
    return 0
  }
  // Any local user picks their own process name (prctl PR_SET_NAME) and command line: escaped and cut like archive strings.
  const rows = processes.map((p) => [String(p.processId), p.handleCount === undefined ? '-' : String(p.handleCount), String(p.threadCount), displayCell(p.name), p.imagePath && basename(p.imagePath) !== p.name ? displayCell(p.imagePath) : ''])
  const head = ['pid', 'handles', 'threads', 'name', 'image']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  // Numbers right-aligned, text left; '-': this user may not list that process's descriptors.
  const line = (r: string[]) => r.map((c, i) => (i < 3 ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  await out.write([line(head), ...rows.map(line)].join('\n') + '\n')
  return 0
}
