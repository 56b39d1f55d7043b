// Terminal plumbing for the commands: output targets (stdout with backpressure, or a file written through
// a temporary name and renamed into place), progress on stderr, colour. Light: node: modules only.
import { createWriteStream, type WriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
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

/** A file written as `.name.<pid>.tmp` beside it and renamed over `path` on close: never a partial file. */
export function fileOutput(path: string): Output {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  const stream: WriteStream = createWriteStream(temp, { flags: 'wx' })
  // SIGINT / SIGTERM during a long export: the next write or the close fails, the command aborts this output
  // (removing the temporary file) and exits 130 / 143 (cli/interrupt.ts).
  const signal = interruptSignal()
  const stopIfInterrupted = () => {
    const stopped = interruption(signal, `stopped; nothing written to '${path}'`)
    if (stopped) throw stopped
  }
  let failure: Error | undefined
  stream.on('error', (e) => (failure = e))
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve())
    stream.once('error', (e: NodeJS.ErrnoException) => {
      // Name the file asked for, not the temporary one.
      const what = /^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] ?? e.message
      reject(new CliError(e.code ?? 'EIO', `cannot write '${path}': ${what}`))
    })
  })
  opened.catch(() => {}) // observed by write/close; avoid an unhandled rejection before then
  return {
    async write(text) {
      await opened
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
      await opened
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())))
      if (failure) throw failure
      stopIfInterrupted()
      await rename(temp, path)
    },
    async abort() {
      stream.destroy()
      await rm(temp, { force: true })
    },
  }
}

/** Batches many small writes (one per entry) into ~64 KiB ones. */
export class BufferedWriter {
  private parts: string[] = []
  private size = 0
  constructor(private readonly out: Output) {}
  async write(text: string): Promise<void> {
    this.parts.push(text)
    this.size += text.length
    if (this.size >= 1 << 16) await this.flush()
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
