// The contract every verb is held to on hostile input (issue 18 items 1–3, 9):
// - a typed outcome: exit 0, 1 with a `CODE - message` line whose code is not INTERNAL, 2 (usage), 3 or 4
//   (a diff gate crossed, or not checkable); never a signal, a V8 fatal error or an exception escaping the CLI's one handler;
// - no raw control, C1, bidi or invisible format character in what a person reads (stdout of human verbs,
//   stderr of every verb), judged by reader/display.ts `unsafeCharactersIn`;
// - machine output that parses (JSON, NDJSON) and CSV cells a spreadsheet will not evaluate;
// - the budget: peak RSS ≤ 150 MB + 4 × D, time ≤ 2 s + 1 s per 50 MB of D (D: decoded bytes of the inputs).
import { unsafeCharactersIn } from '../../../reader/display.js'
import type { Verb } from './verbs.js'

export interface VerbResult {
  code: number | null
  signal?: string | null
  stdout: string
  stderr: string
  /** Wall time and CPU time of the verb. */
  ms: number
  cpuMs: number
  /** Peak RSS of the verb's process (CLI) or its estimate (in-process: the process's idle CLI RSS + the rise). */
  peakRss?: number
  /** An exception that escaped main() (in-process only). */
  escaped?: string
  /** Stopped by its timeout (through the binary only). */
  timedOut?: boolean
}

/** One violated property; `property` names the class (with the verb's label) the report groups by. */
export interface Problem {
  verb: string
  property: 'exit' | 'INTERNAL' | 'untyped' | 'escaped' | 'unsafe-output' | 'csv-formula' | 'bad-json' | 'memory' | 'time' | 'hang' | 'fatal'
  detail: string
}

const MB = 1024 * 1024
export const rssBudget = (decoded: number) => 150 * MB + 4 * decoded
export const timeBudgetMs = (decoded: number) => 2000 + (1000 * decoded) / (50 * MB)

const CODE_LINE = /^(?:\S+ )?([A-Z][A-Z0-9_]*) - /m
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/** The first `max` examples of `found`, escaped, for a report line. */
const some = (found: readonly string[], max = 4) => `${found.slice(0, max).join(' ')}${found.length > max ? ' …' : ''}`

/** `validate --json` reports why an archive is unreadable in its document (diagnostics[].code), not on a line. */
function diagnosticCode(stdout: string): string | undefined {
  try {
    const doc = JSON.parse(stdout) as { diagnostics?: { code?: unknown; severity?: unknown }[] }
    const found = doc.diagnostics?.find((d) => d.severity === 'error' && typeof d.code === 'string')?.code
    return typeof found === 'string' && /^[A-Z][A-Z0-9_]*$/.test(found) ? found : undefined
  } catch {
    return undefined
  }
}

export function checkVerb(verb: Verb, result: VerbResult, decoded: number): Problem[] {
  const problems: Problem[] = []
  const add = (property: Problem['property'], detail: string) => problems.push({ verb: verb.label, property, detail })
  if (result.escaped !== undefined) add('escaped', result.escaped.split('\n')[0]!)
  const fatal = /FATAL ERROR|Reached heap limit|JavaScript heap out of memory|Fatal JavaScript/.exec(result.stderr)
  if (fatal) add('fatal', fatal[0])
  else if (result.signal) add('fatal', `killed by ${result.signal}`)
  // With --fail-on, diff exits 3 when a gate is crossed and 4 when one cannot be checked (spec/JSON.md).
  const allowed = [0, 1, 2, ...(verb.gate ? [3, 4] : [])]
  if (!result.timedOut && (result.code === null || !allowed.includes(result.code))) add('exit', `exit ${result.code}`)
  const code = CODE_LINE.exec(result.stderr)?.[1] ?? CODE_LINE.exec(result.stdout)?.[1] ?? (verb.output === 'json' ? diagnosticCode(result.stdout) : undefined)
  const internal = /^INTERNAL - .*$/m.exec(result.stderr)
  if (internal) add('INTERNAL', internal[0].slice(0, 200))
  else if (result.code === 1 && code === undefined) add('untyped', `exit 1 without a CODE - message line: ${JSON.stringify(firstLine(result.stderr || result.stdout))}`)
  const human = verb.output === 'human' ? `${result.stdout}${result.stderr}` : result.stderr
  const unsafe = unsafeCharactersIn(human)
  if (unsafe.length > 0) add('unsafe-output', `raw ${some(unsafe)}${verb.output === 'human' ? '' : ' on stderr'}`)
  if (result.code === 0 || result.code === 3) {
    if (verb.output === 'json') {
      try {
        JSON.parse(result.stdout)
      } catch (e) {
        add('bad-json', (e as Error).message)
      }
    } else if (verb.output === 'ndjson') {
      const bad = result.stdout.split('\n').findIndex((line) => line !== '' && !parses(line))
      if (bad >= 0) add('bad-json', `line ${bad + 1} does not parse`)
    } else if (verb.output === 'csv') {
      const live = formulaCells(result.stdout)
      if (live.length > 0) add('csv-formula', `cells ${some(live.map((c) => JSON.stringify(c.slice(0, 40))))}`)
    }
  }
  const ms = Math.min(result.ms, result.cpuMs)
  if (ms > timeBudgetMs(decoded) && !result.timedOut) add('time', `${result.ms.toFixed(0)} ms wall, ${result.cpuMs.toFixed(0)} ms CPU > ${timeBudgetMs(decoded).toFixed(0)} ms for ${decoded} decoded bytes`)
  if (result.peakRss !== undefined && result.peakRss > rssBudget(decoded)) add('memory', `peak RSS ${(result.peakRss / MB).toFixed(0)} MB > ${(rssBudget(decoded) / MB).toFixed(0)} MB for ${decoded} decoded bytes`)
  return problems
}

const firstLine = (text: string) => text.split('\n').find((l) => l.trim() !== '')?.slice(0, 200) ?? ''

function parses(line: string): boolean {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}

/** Cells (RFC 4180) a spreadsheet would evaluate: first character = + - @ TAB CR, not a plain number, not `'`-prefixed. */
export function formulaCells(csv: string): string[] {
  const found: string[] = []
  for (const cell of csvCellsOf(csv)) {
    if (cell === '' || !'=+-@\t\r'.includes(cell[0]!)) continue
    if (PLAIN_NUMBER.test(cell)) continue
    found.push(cell)
    if (found.length >= 16) break
  }
  return found
}

/** Every cell of an RFC 4180 document, unquoted (a streaming scan: no row arrays). */
export function* csvCellsOf(csv: string): Generator<string> {
  let i = 0
  const n = csv.length
  while (i < n) {
    if (csv[i] === '"') {
      let cell = ''
      i++
      for (;;) {
        const q = csv.indexOf('"', i)
        if (q < 0) {
          cell += csv.slice(i)
          i = n
          break
        }
        cell += csv.slice(i, q)
        if (csv[q + 1] === '"') {
          cell += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      yield cell
    } else {
      let end = i
      while (end < n && csv[end] !== ',' && csv[end] !== '\n' && !(csv[end] === '\r' && csv[end + 1] === '\n')) end++
      yield csv.slice(i, end)
      i = end
    }
    // Past the separator: `,`, `\n` or `\r\n`.
    if (csv[i] === ',') i++
    else if (csv[i] === '\r' && csv[i + 1] === '\n') i += 2
    else if (csv[i] === '\n') i++
  }
}
