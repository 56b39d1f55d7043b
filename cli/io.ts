// Terminal plumbing for the commands: output targets (stdout with backpressure, or a file written through
// a temporary name and renamed into place), progress on stderr, colour.
import { createWriteStream, type WriteStream } from 'node:fs'
import { lstat, rm } from 'node:fs/promises'
import { basename } from 'node:path'
import { checkDestination, commitFile, OUTPUT_FILE_MODE, OutputPathError, temporaryName } from '../reader/node-files.js'
import { interruptSignal, interruption } from './interrupt.js'

/** An error the CLI reports as `code - message`, exit 1. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface Style {
  bold(s: string): string
  dim(s: string): string
  red(s: string): string
  yellow(s: string): string
  green(s: string): string
}

const plain: Style = { bold: (s) => s, dim: (s) => s, red: (s) => s, yellow: (s) => s, green: (s) => s }
const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`
const colored: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), yellow: ansi(33, 39), green: ansi(32, 39) }

/** Colour on a terminal (or with FORCE_COLOR), never with --no-color or NO_COLOR (https://no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, wanted: boolean | undefined): Style {
  if (wanted === false || process.env.NO_COLOR) return plain
  const force = process.env.FORCE_COLOR
  return stream.isTTY || (force !== undefined && force !== '0' && force !== 'false') ? colored : plain
}

export interface Output {
  write(text: string): Promise<void> | void
  /** Completes the output (renames a file into place). */
  close(): Promise<void>
  /** Drops a partial file. */
  abort(): Promise<void>
}

/** stdout, honouring backpressure so a large export through a pipe does not pile up in memory. */
export function stdoutOutput(): Output {
  const out = process.stdout
  return {
    write(text) {
      if (out.write(text)) return
      return new Promise<void>((resolve) => out.once('drain', resolve))
    },
    async close() {},
    async abort() {},
  }
}

export interface OutputFileOptions {
  /** Replace an existing regular file (--force). */
  force?: boolean
  /** The command's input files: never the output, --force or not. */
  inputs?: readonly string[]
}

/** Adds the --force hint to the library's FILE_EXISTS; its other refusals pass as they are. */
function hinted<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (error instanceof OutputPathError && error.code === 'FILE_EXISTS') throw new CliError('FILE_EXISTS', `'${error.path}' already exists: add --force to replace it`)
    throw error
  })
}

/**
 * Refuses, before any work, a destination the command may not write (reader/node.ts checkDestination: not a
 * regular file, an input, or existing without --force). Returns where the file really goes.
 */
export async function checkOutput(path: string, options: OutputFileOptions = {}): Promise<string> {
  if (path === '-') throw new CliError('NOT_A_REGULAR_FILE', `'-' (stdout) is not a place for an archive or a map: give a file name`)
  return hinted(checkDestination(path, { overwrite: options.force === true, ...(options.inputs ? { inputs: options.inputs } : {}) }))
}

/** `-o FILE` (checked, written atomically, 0600), `-o -` or no `-o`: stdout. */
export async function outputTarget(path: string | undefined, options: OutputFileOptions = {}): Promise<Output> {
  if (path === undefined || path === '-') return stdoutOutput()
  await checkOutput(path, options)
  return fileOutput(path, options)
}

/**
 * `<image>_<pid>_<YYYYMMDD_HHMMSS>.pssnap` in local time (as ProcDump names dumps), from the image's base
 * name made safe for a file name. An existing file of that name gets `_2`, `_3`… rather than being replaced.
 */
export async function captureFileName(image: string | undefined, pid: number, at = new Date()): Promise<string> {
  const base = (image ?? '').split(/[\\/]/).pop()!.replace(/\.exe$/i, '')
  const safe = base.replace(/[^A-Za-z0-9._+-]+/g, '_').slice(0, 64).replace(/^[._]+|_+$/g, '') || 'process'
  const two = (n: number) => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}_${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`
  const stem = `${safe}_${pid}_${stamp}`
  for (let n = 1; n < 1000; n++) {
    const name = `${stem}${n === 1 ? '' : `_${n}`}.pssnap`
    const taken = await lstat(name).then(
      () => true,
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : Promise.reject(e)),
    )
    if (!taken) return name
  }
  throw new CliError('FILE_EXISTS', `'${stem}.pssnap' and 998 numbered variants exist: give -o`)
}

/**
 * A file written as `.name.<pid>.tmp` beside it (mode 0600) and moved to `path` on close: never a partial
 * file, never a replaced device or input, never an existing file without `force`.
 */
export function fileOutput(path: string, options: OutputFileOptions = {}): Output {
  const overwrite = options.force === true
  const destination = hinted(checkDestination(path, { overwrite, ...(options.inputs ? { inputs: options.inputs } : {}) }))
  let stream: WriteStream | undefined
  let temp: string | undefined
  // SIGINT / SIGTERM during a long export: the next write or the close fails, the command aborts this output
  // (removing the temporary file) and exits 130 / 143 (cli/interrupt.ts).
  const signal = interruptSignal()
  const stopIfInterrupted = () => {
    const stopped = interruption(signal, `stopped; nothing written to '${path}'`)
    if (stopped) throw stopped
  }
  let failure: Error | undefined
  const opened = destination.then(
    (real) =>
      new Promise<WriteStream>((resolve, reject) => {
        temp = temporaryName(real)
        const s = createWriteStream(temp, { flags: 'wx', mode: OUTPUT_FILE_MODE })
        stream = s
        s.on('error', (e) => (failure = e))
        s.once('open', () => resolve(s))
        s.once('error', (e: NodeJS.ErrnoException) => {
          // Name the file asked for, not the temporary one.
          const what = /^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] ?? e.message
          reject(new CliError(e.code ?? 'EIO', `cannot write '${path}': ${what}`))
        })
      }),
  )
  opened.catch(() => {}) // observed by write/close; avoid an unhandled rejection before then
  return {
    async write(text) {
      const stream = await opened
      if (failure) throw failure
      stopIfInterrupted()
      if (!stream.write(text)) {
        await new Promise<void>((resolve, reject) => {
          const done = (e?: Error) => {
            stream.off('drain', done)
            stream.off('error', done)
            if (e) reject(e)
            else resolve()
          }
          stream.on('drain', done)
          stream.on('error', done)
        })
      }
    },
    async close() {
      const stream = await opened
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
      if (failure) throw failure
      stopIfInterrupted()
      await hinted(commitFile(temp!, await destination, path, overwrite))
    },
    async abort() {
      stream?.destroy()
      if (temp !== undefined) await rm(temp, { force: true })
    },
  }
}

/**
 * Batches many small writes (one per entry) into ~64 KiB ones. `write` returns a promise only when it
 * flushes: a loop over a million rows awaits that (`const p = w.write(…); if (p) await p`), not every row.
 */
export class BufferedWriter {
  private parts: string[] = []
  private size = 0
  constructor(private readonly out: Output) {}
  write(text: string): Promise<void> | undefined {
    this.parts.push(text)
    this.size += text.length
    return this.size >= 1 << 16 ? this.flush() : undefined
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return
    const text = this.parts.join('')
    this.parts = []
    this.size = 0
    await this.out.write(text)
  }
}

export interface Progress {
  /** Fraction done, 0..1. */
  update(fraction: number): void
  /** Changes the label (a new phase), keeping the line. */
  phase(label: string): void
  /** Clears the line. */
  done(): void
}

const noProgress: Progress = { update() {}, phase() {}, done() {} }

/**
 * `reading… 45%` on stderr, redrawn at most every 100 ms, only on a terminal and only once the work has
 * taken 300 ms (a small file shows nothing). `done()` erases it.
 */
export function progress(label: string, enabled = Boolean(process.stderr.isTTY)): Progress {
  if (!enabled) return noProgress
  const started = Date.now()
  let last = 0
  let shown = false
  let fraction: number | undefined
  const draw = () => {
    const now = Date.now()
    if (now - started < 300 || now - last < 100) return
    last = now
    shown = true
    process.stderr.write(`\r\x1b[K${label}${fraction === undefined ? '' : ` ${Math.floor(fraction * 100)}%`}`)
  }
  return {
    update(f) {
      fraction = Math.max(0, Math.min(1, f))
      draw()
    },
    phase(next) {
      label = next
      fraction = undefined
      last = 0
      draw()
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K')
      shown = false
    },
  }
}

/** `12,345` (by hand: the first toLocaleString call costs ~7 ms of ICU start-up). */
export const count = (n: number | bigint): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')

/** `1 handle`, `3 handles`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${count(n)} ${n === 1 ? one : many}`
