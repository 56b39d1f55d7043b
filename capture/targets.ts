// Many targets in one command (issue 13 item 2): several pids, every process matching a name, or a process and
// its descendants (--tree). Each process gets an archive of its own; all of them share a capture set
// (`kind: targets`, spec/ARCHIVE.md §3.4) so that trend, diff and SQL can group them.
import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { CaptureFailedError } from './errors.js'
import { captureToFile, listProcesses, selectBackend, type BackendSelection, type CaptureOptions, type CaptureResult, type ProcessSummary } from './index.js'
import { archivePath, newCaptureSetId } from './watch/naming.js'

export interface TargetSpec {
  /** Processes by pid or by name; a name designates every process of that name (the caller's own left out). */
  targets: readonly (number | string)[]
  /** Each target's descendants too (children, their children…). */
  tree?: boolean
}

export interface ResolvedTarget {
  processId: number
  /** For the file name: the executable's path or the process name. */
  image?: string
}

/** Children of Linux process `pid`: /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN), else undefined. */
function linuxChildren(pid: number): number[] | undefined {
  let tasks: string[]
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return []
  }
  const out: number[] = []
  for (const tid of tasks) {
    let text: string
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && tid === String(pid)) return undefined
      continue
    }
    for (const c of text.split(' ')) if (/^\d+$/.test(c)) out.push(Number(c))
  }
  return out
}

/**
 * The processes a spec designates, each once, in the order given (a tree: root first, then breadth first).
 * A pid or name that designates nothing is NO_SUCH_PROCESS; nothing is captured then.
 */
export async function resolveTargets(spec: TargetSpec, selection: BackendSelection = {}): Promise<ResolvedTarget[]> {
  const backend = selectBackend(selection)
  const all: ProcessSummary[] = await listProcesses(selection)
  const byPid = new Map(all.map((p) => [p.processId, p]))
  const image = (p: ProcessSummary | undefined) => p?.imagePath ?? p?.name
  const roots: ResolvedTarget[] = []
  for (const t of spec.targets) {
    if (typeof t === 'number' || /^\d+$/.test(t)) {
      const pid = Number(t)
      if (!byPid.has(pid)) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process ${pid} (run 'pssnap ps' to list processes)`, pid)
      roots.push({ processId: pid, ...(image(byPid.get(pid)) ? { image: image(byPid.get(pid))! } : {}) })
      continue
    }
    const lower = t.toLowerCase()
    const named = (p: ProcessSummary) => {
      if (p.processId === process.pid || p.kernelThread || p.state === 'Z') return false
      if (backend.name === 'linux') return p.name === t || (p.imagePath !== undefined && basename(p.imagePath.replace(/ \(deleted\)$/, '')) === t)
      // Windows image names: any case, `.exe` optional (as capture by name).
      const n = p.name.toLowerCase()
      return n === lower || n === `${lower}.exe`
    }
    const hits = all.filter(named)
    if (!hits.length) throw new CaptureFailedError('NO_SUCH_PROCESS', `no process named '${t}' (run 'pssnap ps' to list processes)`)
    for (const p of hits) roots.push({ processId: p.processId, ...(image(p) ? { image: image(p)! } : {}) })
  }
  const seen = new Set<number>()
  const out: ResolvedTarget[] = []
  const add = (r: ResolvedTarget) => {
    if (seen.has(r.processId)) return false
    seen.add(r.processId)
    out.push(r)
    return true
  }
  if (!spec.tree) {
    for (const r of roots) add(r)
    return out
  }
  // Children by parent from the process list (Windows, and Linux without the children files); a parent's pid
  // may be reused on Windows, so a child must have started after it there: not checked (Toolhelp32 gives no
  // start time), said in the README.
  const childrenOf = new Map<number, number[]>()
  for (const p of all) {
    if (p.processId === p.parentProcessId) continue
    const list = childrenOf.get(p.parentProcessId) ?? []
    list.push(p.processId)
    childrenOf.set(p.parentProcessId, list)
  }
  const children = (pid: number) => (backend.name === 'linux' ? (linuxChildren(pid) ?? childrenOf.get(pid) ?? []) : (childrenOf.get(pid) ?? []))
  for (const root of roots) {
    if (!add(root)) continue
    const queue = [root.processId]
    while (queue.length) {
      for (const c of children(queue.shift()!)) {
        const p = byPid.get(c)
        if (c === process.pid || (p && (p.kernelThread || p.state === 'Z'))) continue
        if (add({ processId: c, ...(image(p) ? { image: image(p)! } : {}) })) queue.push(c)
      }
    }
  }
  return out
}

export interface TargetCapture {
  processId: number
  /** The archive written, or why there is none (the process exited first, access denied…). */
  path?: string
  result?: CaptureResult
  error?: { code: string; message: string }
}

export interface CaptureTargetsResult {
  captureSetId: string
  captures: TargetCapture[]
}

/**
 * Captures each target into `directory`, one after the other, sharing one capture set. A target that fails
 * (exited meanwhile, access denied) is reported in its place and the others go on; an abort stops at once.
 */
export async function captureTargets(targets: readonly ResolvedTarget[], directory: string, options: CaptureOptions & { root?: number; onCapture?: (c: TargetCapture) => void } = {}): Promise<CaptureTargetsResult> {
  const captureSetId = newCaptureSetId()
  const captures: TargetCapture[] = []
  const { root, onCapture, ...captureOptions } = options
  for (const [index, t] of targets.entries()) {
    options.signal?.throwIfAborted()
    const path = await archivePath(directory, t.image, t.processId)
    const captureSet = { id: captureSetId, kind: 'targets', index, size: targets.length, ...(root !== undefined ? { root } : {}) }
    let c: TargetCapture
    try {
      const result = await captureToFile(t.processId, path, { ...captureOptions, captureSet })
      c = { processId: t.processId, path, result }
    } catch (error) {
      if (options.signal?.aborted) throw error
      const e = error as { code?: unknown; message?: unknown }
      c = { processId: t.processId, error: { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: String(e?.message ?? error) } }
    }
    captures.push(c)
    onCapture?.(c)
  }
  return { captureSetId, captures }
}
