// `pssnap capture` and `pssnap ps`: thin wrappers over pssnap/capture, which picks the platform backend
// (and refuses, typed, where there is none). Loaded only when one of these commands runs.
import { basename } from 'node:path'
import { safeText } from '../reader/display.js'
import { resolveField } from '../reader/access.js'
import { compileQuery, parseSortKeys, sortEntries } from '../reader/query.js'
import { displayCell, formatSize, renderTable, type TableColumn } from '../reader/text.js'
import type { ProcessSummary } from '../capture/process-summary.js'
import { tableWidth } from './width.js'
import { interruptSignal, interruption } from './interrupt.js'
import { captureFileName, checkOutput, CliError, count, stdoutOutput, styleFor } from './io.js'

type Args = Record<string, unknown>

export async function capture(args: Args): Promise<number> {
  const lib = await import('../capture/index.js')
  const targets = (Array.isArray(args.target) ? args.target : args.target === undefined ? [] : [args.target]).map(String)
  // Several pids, every process of a name, a process tree: one archive each, sharing a capture set.
  if (targets.length > 1 || args.all === true || args.tree === true) return (await import('./capture-many.js')).captureMany(args, targets)
  const target = targets[0]
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
  const memory = Array.isArray(args.memory) ? args.memory.map(String) : undefined
  const stackLimit = args.stackLimit === undefined ? undefined : Number(args.stackLimit)
  if (stackLimit !== undefined && !(Number.isSafeInteger(stackLimit) && stackLimit > 0)) throw new CliError('BAD_STACK_LIMIT', `--stack-limit must be a positive number of bytes, not '${String(args.stackLimit)}'`)
  // Memory is read while the threads are held (Linux: spec/LINUX.md §10); stacks need the stack pointers.
  const held = { ...(args.registers === true || memory?.includes('stacks') ? { registers: true } : {}), ...(memory?.length ? { memory } : {}), ...(stackLimit !== undefined ? { stackLimit } : {}) }
  const options = { ...(preset ? { preset } : {}), ...(flags !== undefined ? { flags } : {}), ...(args.debugPrivilege ? { debugPrivilege: true } : {}), ...windowsOnly, ...held, ...(args.freeze === true ? { freeze: true } : {}), signal }
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

/** The fields `ps --where` and `--sort` know (reader/access.ts `fieldNames`). */
const PS_FIELDS = ['processId', 'parentProcessId', 'name', 'imagePath', 'commandLine', 'threadCount', 'handleCount', 'state', 'kernelThread'] as const

/** A process as the query engine sees it: `kernelThread` as the text `true`/`false` (`kernelThread = false`). */
function psRecord(p: ProcessSummary): Record<string, unknown> {
  return { ...p, kernelThread: p.kernelThread === true ? 'true' : 'false' }
}

export async function ps(args: Args): Promise<number> {
  const lib = await import('../capture/index.js')
  const where = typeof args.where === 'string' ? args.where : undefined
  const sort = typeof args.sort === 'string' ? args.sort : undefined
  const options = { fieldNames: PS_FIELDS }
  // The expression and sort keys are checked before /proc is read.
  const predicate = where === undefined ? undefined : compileQuery(where, options)
  const sortKeys = sort === undefined ? [] : parseSortKeys(sort)
  for (const k of sortKeys) resolveField(undefined, k.path, options)
  const records = (await lib.listProcesses()).map((p) => ({ p, r: psRecord(p) }))
  const kept = predicate ? records.filter((x) => predicate(x.r)) : records
  const sorted = sortKeys.length ? sortEntries(kept, sortKeys.map((k) => ({ ...k, path: `r.${resolveField(undefined, k.path, options).path}` }))) : kept
  const processes = sorted.map((x) => x.p)
  const out = stdoutOutput()
  if (args.json) {
    await out.write(`${JSON.stringify({ schema: 'pssnap.ps/1', processes }, null, 2)}\n`)
    return 0
  }
  const linux = lib.selectBackend().name === 'linux'
  // The cells are rendered below; a column only needs its header and kind (numbers right-aligned, text cut to the width).
  const column = (label: string, kind: 'int' | 'text'): TableColumn => ({ label, field: { path: label, dtype: kind === 'int' ? 'u32' : 'str', kind, get: () => undefined } })
  const columns: TableColumn[] = [
    column('pid', 'int'),
    column('ppid', 'int'),
    ...(linux ? [column('state', 'text')] : []),
    column(linux ? 'fds' : 'handles', 'int'),
    column('threads', 'int'),
    column('name', 'text'),
    column(linux ? 'command' : 'image', 'text'),
  ]
  // Any local user picks their own process name (prctl PR_SET_NAME) and command line: escaped and cut like archive strings.
  // Marked as ps(1) does: [kernel thread], <defunct> zombie; '-': this user may not list that process's descriptors.
  const rows = processes.map((p) => [
    String(p.processId),
    String(p.parentProcessId),
    ...(linux ? [p.state ?? '?'] : []),
    p.handleCount === undefined ? '-' : String(p.handleCount),
    String(p.threadCount),
    p.kernelThread ? `[${displayCell(p.name)}]` : p.state === 'Z' ? `${displayCell(p.name)} <defunct>` : displayCell(p.name),
    displayCell(p.commandLine ?? (p.imagePath && basename(p.imagePath) !== p.name ? p.imagePath : '')),
  ])
  const s = styleFor(process.stdout, typeof args.color === 'boolean' ? args.color : undefined)
  const footer = processes.length < records.length ? `${count(processes.length)} of ${count(records.length)} processes match` : `${count(records.length)} processes`
  await out.write(`${renderTable(columns, rows, { header: s.bold, maxWidth: tableWidth(args) })}${s.dim(footer)}\n`)
  return 0
}
