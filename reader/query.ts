// The `--where` language, plus sorting and grouping of entries. Platform-free.
//
//   query   := or
//   or      := and (('or' | '||') and)*
//   and     := not (('and' | '&&') not)*
//   not     := ('not' | '!') not | '(' query ')' | test
//   test    := field op value | field ('~' | '!~') (value | /regex/flags | bare text up to a space or ')')
//            | field ['not'] 'in' '(' value (',' value)* ')' | field 'has' value
//   op      := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   value   := number | 0xHEX | size (64KB, 1.5MiB) | duration (250ms, 2s) | date (2026-11-25T12:00Z)
//            | 'string' | "string" | NAME ('|' NAME)* | null
//
// Field names follow resolveField (dotted paths, case-insensitive, unique suffixes). NAMEs resolve through
// the field's name table (`objectType = SECTION`, `state = MEM_COMMIT`, `protect = READWRITE|GUARD`). 64-bit
// values compare exactly (as BigInt whenever either side is a bigint). A missing value fails every test
// except `!=`, `!~` and `not in` (and `= null`).
import type { FieldKind } from '../format/fields.js'
import { NAME_TABLES, parseFlags, type NameTable } from '../format/names.js'
import { FieldError, resolveField, type AccessOptions, type FieldRef } from './access.js'
import { compileLinearRegex, RegexRefusal } from './linear-regex.js'
import { suggest } from './suggest.js'
import { matchText } from './text.js'

export class QueryError extends Error {
  override name = 'QueryError'
  readonly code = 'BAD_QUERY'
  constructor(
    message: string,
    /** 1-based column in `query` the problem is at. */
    readonly column: number,
    readonly query: string,
    /** What would work instead (known names, the field list), after the column. */
    readonly hint?: string,
  ) {
    super(`${message} at column ${column}${hint ? `; ${hint}` : ''}`)
  }
}

// ---- syntax tree ----

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>='

export type ValueNode =
  | { type: 'number'; text: string; column: number }
  | { type: 'string'; value: string; column: number }
  | { type: 'name'; text: string; column: number }
  | { type: 'regex'; source: string; flags: string; column: number }
  | { type: 'null'; column: number }

export type QueryNode =
  | { type: 'and' | 'or'; left: QueryNode; right: QueryNode }
  | { type: 'not'; expr: QueryNode }
  | { type: 'compare'; field: string; column: number; op: CompareOp; value: ValueNode }
  | { type: 'match'; field: string; column: number; negate: boolean; value: ValueNode }
  | { type: 'in'; field: string; column: number; negate: boolean; values: ValueNode[] }
  | { type: 'has'; field: string; column: number; value: ValueNode }

// ---- tokens ----

type TokenType = 'word' | 'number' | 'string' | 'regex' | 'op' | '(' | ')' | ',' | '|' | 'end'

interface Token {
  type: TokenType
  text: string
  /** 1-based. */
  column: number
  value?: string
  flags?: string
}

const OPERATORS = ['==', '!=', '<>', '<=', '>=', '!~', '&&', '||', '=', '<', '>', '~', '!']
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?/
const NUMBERISH = /^[+-]?(?:\d|\.\d)[\w.]*/
const WORD = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*/

function tokenize(query: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const fail = (message: string, at: number): never => {
    throw new QueryError(message, at + 1, query)
  }
  while (i < query.length) {
    const c = query[i]!
    if (/\s/.test(c)) {
      i++
      continue
    }
    const col = i + 1
    const rest = query.slice(i)
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c, text: c, column: col })
      i++
      continue
    }
    if (c === '"' || c === "'") {
      let value = ''
      let j = i + 1
      for (; j < query.length && query[j] !== c; j++) {
        if (query[j] === '\\' && j + 1 < query.length) {
          const e = query[++j]!
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e
        } else value += query[j]
      }
      if (j >= query.length) fail(`expected a closing ${c} for the string that starts`, i)
      tokens.push({ type: 'string', text: query.slice(i, j + 1), column: col, value })
      i = j + 1
      continue
    }
    if (c === '/') {
      let j = i + 1
      let inClass = false
      for (; j < query.length; j++) {
        const d = query[j]
        if (d === '\\') j++
        else if (d === '[') inClass = true
        else if (d === ']') inClass = false
        else if (d === '/' && !inClass) break
      }
      if (j >= query.length) fail(`expected a closing / for the regular expression that starts`, i)
      const flags = /^[a-z]*/i.exec(query.slice(j + 1))![0]
      tokens.push({ type: 'regex', text: query.slice(i, j + 1 + flags.length), column: col, value: query.slice(i + 1, j), flags })
      i = j + 1 + flags.length
      continue
    }
    // After `~` / `!~` a bare run of text up to a space or ')' is the text to find (`objectName ~ .log`,
    // `mappedFileName ~ libc.so.6`), so a path or an extension needs no quotes; `null` stays the keyword.
    const last = tokens[tokens.length - 1]
    if (last?.type === 'op' && (last.text === '~' || last.text === '!~') && c !== '(') {
      const bare = /^[^\s()]+/.exec(rest)![0]
      if (bare.toLowerCase() !== 'null') {
        tokens.push({ type: 'string', text: bare, column: col, value: bare })
        i += bare.length
        continue
      }
    }
    const date = DATE.exec(rest)
    if (date && !/^[\w.:]/.test(rest.slice(date[0].length))) {
      tokens.push({ type: 'number', text: date[0], column: col })
      i += date[0].length
      continue
    }
    // A sign only belongs to a number right after an operator, '(' ',' or 'in' (so `a<-1` reads as `a < -1`).
    const prev = tokens[tokens.length - 1]
    const signAllowed = !prev || prev.type === 'op' || prev.type === '(' || prev.type === ','
    const num = NUMBERISH.exec(rest)
    if (num && (signAllowed || !/^[+-]/.test(num[0]))) {
      tokens.push({ type: 'number', text: num[0], column: col })
      i += num[0].length
      continue
    }
    const word = WORD.exec(rest)
    if (word) {
      tokens.push({ type: 'word', text: word[0], column: col })
      i += word[0].length
      continue
    }
    if (c === '|' && query[i + 1] !== '|') {
      tokens.push({ type: '|', text: '|', column: col })
      i++
      continue
    }
    const op = OPERATORS.find((o) => rest.startsWith(o))
    if (op) {
      tokens.push({ type: 'op', text: op, column: col })
      i += op.length
      continue
    }
    fail(`unexpected character '${c}'`, i)
  }
  tokens.push({ type: 'end', text: '', column: query.length + 1 })
  return tokens
}

// ---- parser ----

const COMPARE: Readonly<Record<string, CompareOp>> = { '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }
const isKeyword = (t: Token, k: string) => t.type === 'word' && t.text.toLowerCase() === k

/** Parses a `--where` expression into its syntax tree; throws QueryError (BAD_QUERY) with the column. */
export function parseQuery(query: string): QueryNode {
  const tokens = tokenize(query)
  let pos = 0
  const peek = () => tokens[pos]!
  const next = () => tokens[pos++]!
  const describe = (t: Token) => (t.type === 'end' ? 'the end of the query' : `'${t.text}'`)
  const fail = (expected: string, t: Token = peek()): never => {
    throw new QueryError(`expected ${expected}${t.type === 'end' ? '' : `, found ${describe(t)}`}`, t.column, query)
  }

  function parseOr(): QueryNode {
    let left = parseAnd()
    while (isKeyword(peek(), 'or') || (peek().type === 'op' && peek().text === '||')) {
      const op = next()
      if (peek().type === 'end') fail(`a condition after '${op.text}'`)
      left = { type: 'or', left, right: parseAnd() }
    }
    return left
  }
  function parseAnd(): QueryNode {
    let left = parseNot()
    while (isKeyword(peek(), 'and') || (peek().type === 'op' && peek().text === '&&')) {
      const op = next()
      if (peek().type === 'end') fail(`a condition after '${op.text}'`)
      left = { type: 'and', left, right: parseNot() }
    }
    return left
  }
  function parseNot(): QueryNode {
    const t = peek()
    if (isKeyword(t, 'not') || (t.type === 'op' && t.text === '!')) {
      next()
      if (peek().type === 'end') fail(`a condition after '${t.text}'`)
      return { type: 'not', expr: parseNot() }
    }
    if (t.type === '(') {
      next()
      if (peek().type === ')' || peek().type === 'end') fail(`a condition after '('`)
      const inner = parseOr()
      if (peek().type !== ')') fail(`')' to close the '(' from column ${t.column}`)
      next()
      return inner
    }
    return parseTest()
  }
  function parseValue(after: Token): ValueNode {
    const t = peek()
    const what = `a value after '${after.text}'`
    switch (t.type) {
      case 'number':
        next()
        return { type: 'number', text: t.text, column: t.column }
      case 'string':
        next()
        return { type: 'string', value: t.value!, column: t.column }
      case 'regex':
        next()
        return { type: 'regex', source: t.value!, flags: t.flags!, column: t.column }
      case 'word': {
        if (isKeyword(t, 'null')) {
          next()
          return { type: 'null', column: t.column }
        }
        if (['and', 'or', 'not', 'in', 'has'].some((k) => isKeyword(t, k))) fail(what)
        next()
        let text = t.text
        // NAME|NAME|… : a flag combination.
        while (peek().type === '|') {
          next()
          const part = peek()
          if (part.type !== 'word' && part.type !== 'number') fail(`a flag name after '|'`)
          text += `|${next().text}`
        }
        return { type: 'name', text, column: t.column }
      }
      default:
        return fail(what)
    }
  }
  function parseTest(): QueryNode {
    const f = peek()
    if (f.type !== 'word' || ['and', 'or', 'in', 'has', 'null'].some((k) => isKeyword(f, k))) return fail('a field name')
    next()
    const field = f.text
    const column = f.column
    const t = peek()
    if (t.type === 'op' && COMPARE[t.text]) {
      next()
      return { type: 'compare', field, column, op: COMPARE[t.text]!, value: parseValue(t) }
    }
    if (t.type === 'op' && (t.text === '~' || t.text === '!~')) {
      next()
      return { type: 'match', field, column, negate: t.text === '!~', value: parseValue(t) }
    }
    if (isKeyword(t, 'has')) {
      next()
      return { type: 'has', field, column, value: parseValue(t) }
    }
    let negate = false
    if (isKeyword(t, 'not') && isKeyword(tokens[pos + 1]!, 'in')) {
      next()
      negate = true
    }
    if (isKeyword(peek(), 'in')) {
      const inTok = next()
      const open = peek()
      if (open.type !== '(') fail(`'(' after 'in'`)
      next()
      const values: ValueNode[] = [parseValue(open)]
      while (peek().type === ',') values.push(parseValue(next()))
      if (peek().type !== ')') fail(`',' or ')' to close the list of 'in' from column ${inTok.column}`)
      next()
      return { type: 'in', field, column, negate, values }
    }
    return fail(`an operator (=, !=, <, <=, >, >=, ~, !~, in, has) after '${field}'`)
  }

  if (peek().type === 'end') fail('a condition')
  const tree = parseOr()
  if (peek().type !== 'end') fail(`'and', 'or' or the end of the query`)
  return tree
}

// ---- values ----

type Scalar = number | bigint | string
const TICKS_PER_MS = 10_000n
const FILETIME_UNIX_EPOCH = 116444736000000000n

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 0, k: 1, kb: 1, kib: 1, m: 2, mb: 2, mib: 2, g: 3, gb: 3, gib: 3, t: 4, tb: 4, tib: 4, p: 5, pb: 5, pib: 5 }
/** Duration units in 100 ns ticks. */
const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 0.01, us: 10, 'µs': 10, ms: 10_000, s: 10_000_000, m: 600_000_000, min: 600_000_000, h: 36_000_000_000 }

/** Exact `mantissa × factor` as bigint when it is an integer, else as a float. */
function scale(mantissa: string, factor: bigint): number | bigint {
  const [int, frac = ''] = mantissa.replace(/^\+/, '').split('.')
  const neg = int!.startsWith('-')
  const digits = BigInt((neg ? int!.slice(1) : int!) + frac || '0')
  const den = 10n ** BigInt(frac.length)
  const num = digits * factor
  if (num % den === 0n) {
    const v = num / den
    return neg ? -v : v
  }
  return (neg ? -1 : 1) * (Number(digits) / Number(den)) * Number(factor)
}

const normalise = (v: number | bigint): number | bigint => (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)

/** Reads a number token for a field kind: decimal, 0x hex, 0b binary, sizes (1024-based), durations. */
function parseNumberToken(text: string, kind: FieldKind | undefined, column: number, query: string): number | bigint {
  if (DATE.test(text) && /^\d{4}-/.test(text)) {
    if (kind !== 'time' && kind !== undefined) throw new QueryError(`a date only compares with a time field, not '${text}'`, column, query)
    return dateToTicks(text, column, query)
  }
  const plain = text.replace(/_/g, '')
  const radix = /^([+-]?)0([xob])([0-9a-f]+)$/i.exec(plain)
  if (radix) {
    const v = BigInt(`0${radix[2]!.toLowerCase()}${radix[3]}`)
    return normalise(radix[1] === '-' ? -v : v)
  }
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:e([+-]?\d+))?([a-zµ]*)$/i.exec(plain)
  if (!m) throw new QueryError(`expected a number, found '${text}'`, column, query)
  const [, mantissa, exp, unitRaw] = m as unknown as [string, string, string | undefined, string]
  if (exp !== undefined) {
    if (unitRaw) throw new QueryError(`expected a number, found '${text}'`, column, query)
    return Number(plain)
  }
  const unit = unitRaw.toLowerCase()
  if (!unit) return normalise(scale(mantissa, 1n))
  if (kind === 'dur' && Object.prototype.hasOwnProperty.call(DURATION_UNITS, unit)) {
    const ticks = DURATION_UNITS[unit]!
    return normalise(ticks >= 1 ? scale(mantissa, BigInt(ticks)) : Number(mantissa) * ticks)
  }
  if (kind !== 'dur' && Object.prototype.hasOwnProperty.call(SIZE_UNITS, unit)) return normalise(scale(mantissa, 1024n ** BigInt(SIZE_UNITS[unit]!)))
  const expected = kind === 'dur' ? 'a duration unit (ns, us, ms, s, min, h)' : `a size unit (B, KB/KiB, MB/MiB, GB/GiB, TB/TiB)`
  throw new QueryError(`expected ${expected} in '${text}', found '${unitRaw}'`, column, query)
}

function dateToTicks(text: string, column: number, query: string): bigint {
  // A date without a zone is UTC, like every time pssnap shows.
  const iso = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes(':') ? text : `${text}Z`
  const ms = Date.parse(iso.replace(' ', 'T'))
  if (Number.isNaN(ms)) throw new QueryError(`expected a date like 2026-11-25T12:00:00Z, found '${text}'`, column, query)
  return BigInt(ms) * TICKS_PER_MS + FILETIME_UNIX_EPOCH
}

function nameTableOf(field: FieldRef): NameTable | undefined {
  return field.names ? NAME_TABLES[field.names] : undefined
}

/** Resolves NAME, `NAME|NAME` or a number through a field's name table. */
function resolveName(field: FieldRef, table: NameTable, text: string, column: number, query: string): number {
  if (table.isFlags) {
    try {
      return parseFlags(table, text)
    } catch {
      const bad = text.split('|').find((p) => {
        try {
          parseFlags(table, p)
          return false
        } catch {
          return true
        }
      })
      throw new QueryError(`expected a ${table.title} name for '${field.path}', found '${bad ?? text}'`, column, query, `known: ${knownNames(table)}`)
    }
  }
  if (/^(0x[0-9a-f]+|\d+)$/i.test(text)) return Number(text)
  const upper = text.toUpperCase()
  for (const [name, v] of Object.entries(table.values)) if (name === upper || name === table.prefix + upper) return v
  throw new QueryError(`expected a ${table.title} name for '${field.path}', found '${text}'`, column, query, `known: ${knownNames(table)}`)
}

function knownNames(table: NameTable): string {
  return Object.keys(table.values)
    .map((n) => (n.startsWith(table.prefix) ? n.slice(table.prefix.length) : n))
    .join(', ')
}

const isNumericDtype = (field: FieldRef) => field.dtype !== undefined && field.dtype !== 'str' && field.dtype !== 'bytes'

/** A literal converted to what the field holds. For an untyped field (no known section) both readings are kept. */
type Operand = { kind: 'typed'; value: Scalar } | { kind: 'loose'; text: string; num: number | bigint | undefined } | { kind: 'null' }

function operand(field: FieldRef, v: ValueNode, query: string): Operand {
  if (v.type === 'null') return { kind: 'null' }
  if (v.type === 'regex') throw new QueryError(`a regular expression only goes after '~' or '!~'`, v.column, query)
  if (field.dtype === undefined) {
    const text = v.type === 'string' ? v.value : v.text
    let num: number | bigint | undefined
    try {
      num = v.type === 'number' ? parseNumberToken(v.text, undefined, v.column, query) : undefined
    } catch {
      num = undefined
    }
    return { kind: 'loose', text, num }
  }
  if (field.dtype === 'bytes') throw new QueryError(`'${field.path}' holds bytes: only '= null' and '!= null' apply to it`, v.column, query)
  if (field.dtype === 'str') return { kind: 'typed', value: v.type === 'string' ? v.value : v.text }
  // Numeric fields.
  const table = nameTableOf(field)
  if (v.type === 'name') {
    if (table) return { kind: 'typed', value: resolveName(field, table, v.text, v.column, query) }
    throw new QueryError(`expected a number for '${field.path}', found '${v.text}'`, v.column, query)
  }
  if (v.type === 'string') {
    if (field.kind === 'time') return { kind: 'typed', value: dateToTicks(v.value, v.column, query) }
    if (table && !/^[\d.]/.test(v.value)) return { kind: 'typed', value: resolveName(field, table, v.value, v.column, query) }
    return { kind: 'typed', value: parseNumberToken(v.value, field.kind, v.column, query) }
  }
  return { kind: 'typed', value: parseNumberToken(v.text, field.kind, v.column, query) }
}

/** -1, 0, 1, or undefined when the two cannot be ordered (different types, NaN). Exact across number/bigint. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const ta = typeof a
  const tb = typeof b
  if (ta === 'number' && tb === 'number') return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : a === b ? 0 : undefined
  if ((ta === 'bigint' || ta === 'number') && (tb === 'bigint' || tb === 'number')) {
    if (ta === 'bigint' && tb === 'bigint') return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0
    // One side is a number: exact when it is an integer; a fraction is never equal to a bigint.
    const [big, num, flip] = ta === 'bigint' ? [a as bigint, b as number, 1] : [b as bigint, a as number, -1]
    if (Number.isNaN(num)) return undefined
    if (num === Infinity) return -flip
    if (num === -Infinity) return flip
    const floor = BigInt(Math.floor(num))
    const r = big < floor ? -1 : big > floor ? 1 : Number.isInteger(num) ? 0 : -1
    return r * flip
  }
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0
  return undefined
}

function looseValue(actual: unknown, o: Operand & { kind: 'loose' }): Scalar | undefined {
  if (typeof actual === 'string') return o.text
  if (typeof actual === 'number' || typeof actual === 'bigint') return o.num
  return undefined
}

function testCompare(actual: unknown, op: CompareOp, o: Operand): boolean {
  if (o.kind === 'null') return op === '=' ? actual === undefined || actual === null : op === '!=' ? actual !== undefined && actual !== null : false
  if (actual === undefined || actual === null) return op === '!='
  const expected = o.kind === 'typed' ? o.value : looseValue(actual, o)
  const c = compareValues(actual, expected)
  switch (op) {
    case '=':
      return c === 0
    case '!=':
      return c !== 0
    case '<':
      return c === -1
    case '<=':
      return c === -1 || c === 0
    case '>':
      return c === 1
    case '>=':
      return c === 1 || c === 0
  }
}

// ---- compilation ----

export type Predicate<T = object> = (entry: T) => boolean

export interface QueryOptions extends AccessOptions {
  /** The section the entries come from (`handles`, `threads`, `vaSpace`/`regions`, `auxiliaryPages`/`aux`):
   * field names are checked and values typed by its field table. Without it any path is read as is. */
  section?: string
}

/**
 * Compiles a `--where` expression (or a parsed tree) into a predicate over entries. Unknown fields, bad
 * names and values that do not fit their field throw QueryError with the column, before any entry is read.
 */
export function compileQuery<T extends object = object>(query: string | QueryNode, options: QueryOptions = {}): Predicate<T> {
  const text = typeof query === 'string' ? query : ''
  const tree = typeof query === 'string' ? parseQuery(query) : query
  const field = (name: string, column: number): FieldRef => {
    try {
      return resolveField(options.section, name, options)
    } catch (e) {
      if (e instanceof FieldError) throw new QueryError(e.reason, column, text, e.hint)
      throw e
    }
  }
  const build = (n: QueryNode): Predicate<T> => {
    switch (n.type) {
      case 'and': {
        const l = build(n.left)
        const r = build(n.right)
        return (e) => l(e) && r(e)
      }
      case 'or': {
        const l = build(n.left)
        const r = build(n.right)
        return (e) => l(e) || r(e)
      }
      case 'not': {
        const x = build(n.expr)
        return (e) => !x(e)
      }
      case 'compare': {
        const f = field(n.field, n.column)
        const o = operand(f, n.value, text)
        if (o.kind === 'null' && n.op !== '=' && n.op !== '!=') throw new QueryError(`only '=' and '!=' compare with null`, n.value.column, text)
        const op = n.op
        return (e) => testCompare(f.get(e), op, o)
      }
      case 'in': {
        const f = field(n.field, n.column)
        const list = n.values.map((v) => operand(f, v, text))
        const negate = n.negate
        return (e) => {
          const actual = f.get(e)
          return list.some((o) => testCompare(actual, '=', o)) !== negate
        }
      }
      case 'has': {
        const f = field(n.field, n.column)
        if (f.dtype !== undefined && !isNumericDtype(f)) throw new QueryError(`'has' tests bits of a number; '${f.path}' is not one (use '~' for text)`, n.column, text)
        const o = operand(f, n.value, text)
        if (o.kind === 'null') throw new QueryError(`expected flag names or a number after 'has'`, n.value.column, text)
        const bits = o.kind === 'typed' ? o.value : o.num
        if (typeof bits !== 'number' && typeof bits !== 'bigint') throw new QueryError(`expected flag names or a number after 'has'`, n.value.column, text)
        const mask = BigInt(bits)
        return (e) => {
          const v = f.get(e)
          if (typeof v !== 'number' && typeof v !== 'bigint') return false
          return (BigInt(v) & mask) === mask
        }
      }
      case 'match': {
        const f = field(n.field, n.column)
        const v = n.value
        let test: (s: string) => boolean
        if (v.type === 'regex') {
          // Linear-time matching (reader/linear-regex.ts): a hostile name cannot make a pattern backtrack.
          let linear: (s: string) => boolean
          try {
            linear = compileLinearRegex(v.source, v.flags)
          } catch (err) {
            if (err instanceof RegexRefusal) throw new QueryError(err.message, v.column, text)
            throw err
          }
          const column = v.column
          test = (s) => {
            try {
              return linear(s)
            } catch (err) {
              if (err instanceof RegexRefusal) throw new QueryError(err.message, column, text)
              throw err
            }
          }
        } else if (v.type === 'null') {
          throw new QueryError(`expected text or /regex/ after '~'`, v.column, text)
        } else {
          const needle = (v.type === 'string' ? v.value : v.text).toLowerCase()
          test = (s) => s.toLowerCase().includes(needle)
        }
        const negate = n.negate
        return (e) => {
          const actual = f.get(e)
          if (actual === undefined || actual === null) return negate
          return test(matchText(f, actual)) !== negate
        }
      }
    }
  }
  return build(tree)
}

// ---- sorting, grouping, filtering ----

export interface SortKey {
  path: string
  descending?: boolean
}

/** Parses `field[:desc|:asc],…` (a leading '-' also means descending). */
export function parseSortKeys(spec: string): SortKey[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^(-?)([^:]+?)(?::(asc|desc))?$/i.exec(s)
      if (!m) throw new FieldError('UNKNOWN_FIELD', `cannot read sort key '${s}': expected field, field:asc or field:desc`)
      return { path: m[2]!, descending: m[1] === '-' || m[3]?.toLowerCase() === 'desc' }
    })
}

/** Orders values of one field: numbers and bigints exactly, then strings; undefined is handled by callers. */
function orderOf(a: unknown, b: unknown): number {
  const c = compareValues(a, b)
  if (c !== undefined) return c
  // Mixed types (never within a known field): numbers before strings before anything else.
  const rank = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' ? 0 : typeof v === 'string' ? 1 : 2)
  return rank(a) - rank(b)
}

/**
 * A sorted copy of `entries` (stable: equal entries keep their order). Keys apply in turn; undefined values
 * sort last whatever the direction. Field names follow resolveField when `options.section` is given.
 */
export function sortEntries<T extends object>(entries: Iterable<T>, keys: readonly SortKey[], options: QueryOptions = {}): T[] {
  const getters = keys.map((k) => ({ get: resolveField(options.section, k.path, options).get, sign: k.descending ? -1 : 1 }))
  const list = [...entries]
  if (getters.length === 0) return list
  // Decorate once: a getter (registers, nested paths) runs n times instead of n log n.
  const rows = list.map((entry, index) => ({ entry, index, values: getters.map((g) => g.get(entry)) }))
  const descending = keys.map((k) => k.descending === true)
  return stableSortBy(rows, descending, (r, k) => r.values[k]).map((r) => r.entry)
}

/**
 * Sorts decorated rows (each with its original `index`) by key k = 0, 1, … in turn, `descending[k]` per key;
 * undefined and null last whatever the direction, ties kept in their original order.
 */
function stableSortBy<R extends { index: number }>(rows: R[], descending: readonly boolean[], value: (row: R, k: number) => unknown): R[] {
  return rows.sort((x, y) => {
    for (let k = 0; k < descending.length; k++) {
      const a = value(x, k)
      const b = value(y, k)
      const ua = a === undefined || a === null
      const ub = b === undefined || b === null
      if (ua || ub) {
        if (ua && ub) continue
        return ua ? 1 : -1
      }
      const c = orderOf(a, b)
      if (c !== 0) return descending[k] ? -c : c
    }
    return x.index - y.index
  })
}

export interface Group {
  /** The field's value shared by the group's entries (undefined: entries without the field). */
  key: unknown
  count: number
  /** Sum of `sumPath` over the group (bigint once any value is a bigint); absent values count as 0. */
  sum?: number | bigint
}

/** Groups entries by one field: by count, largest first (ties by key, undefined last). */
export function groupEntries<T extends object>(entries: Iterable<T>, path: string, options: QueryOptions & { sumPath?: string } = {}): Group[] {
  const get = resolveField(options.section, path, options).get
  const sumGet = options.sumPath === undefined ? undefined : resolveField(options.section, options.sumPath, options).get
  const groups = new Map<unknown, Group>()
  for (const e of entries) {
    let key = get(e)
    if (key === null) key = undefined
    // Blob keys group by content, not identity.
    const mapKey = key instanceof Uint8Array ? `bytes:${Array.from(key).join(',')}` : key
    let g = groups.get(mapKey)
    if (!g) {
      g = { key, count: 0, ...(sumGet ? { sum: 0 } : {}) }
      groups.set(mapKey, g)
    }
    g.count++
    if (sumGet) {
      const v = sumGet(e)
      if (typeof v === 'bigint') g.sum = BigInt(g.sum!) + v
      else if (typeof v === 'number') g.sum = typeof g.sum === 'bigint' ? g.sum + BigInt(v) : (g.sum as number) + v
    }
  }
  return [...groups.values()].sort((a, b) => {
    if (a.count !== b.count) return b.count - a.count
    const ua = a.key === undefined
    const ub = b.key === undefined
    if (ua || ub) return ua === ub ? 0 : ua ? 1 : -1
    return orderOf(a.key, b.key)
  })
}

/** What `--sort` may name with `--group-by`: the group's key, its entry count, or its sum. */
export type GroupSortField = 'key' | 'count' | 'sum'

/**
 * Reads `--sort` for groups: `count`, `sum` or `key` (also the grouped field's own name, any case, for `key`),
 * each with `:asc`/`:desc`. Anything else is UNKNOWN_FIELD: a sort that would be ignored is refused instead.
 */
export function parseGroupSortKeys(spec: string, groupField: string, hasSum: boolean): { field: GroupSortField; descending: boolean }[] {
  const lastPart = (p: string) => p.slice(p.lastIndexOf('.') + 1).toLowerCase()
  return parseSortKeys(spec).map((k) => {
    const name = k.path.toLowerCase()
    const field: GroupSortField | undefined =
      name === 'count' ? 'count' : name === 'sum' || name.startsWith('sum(') ? 'sum' : name === 'key' || name === groupField.toLowerCase() || name === lastPart(groupField) ? 'key' : undefined
    if (field === undefined) {
      throw new FieldError('UNKNOWN_FIELD', `with --group-by, --sort orders the groups: 'count', ${hasSum ? "'sum', " : ''}'key' or '${groupField}', not '${k.path}'`, suggest(k.path, ['count', 'key', ...(hasSum ? ['sum'] : []), groupField]))
    }
    if (field === 'sum' && !hasSum) throw new FieldError('UNKNOWN_FIELD', `--sort sum needs --sum <field>: there is no sum per group to sort by`)
    return { field, descending: k.descending === true }
  })
}

/** A sorted copy of groups (stable; undefined keys last whatever the direction). */
export function sortGroups(groups: readonly Group[], keys: readonly { field: GroupSortField; descending: boolean }[]): Group[] {
  const rows = groups.map((g, index) => ({ g, index }))
  return stableSortBy(
    rows,
    keys.map((k) => k.descending),
    (r, k) => r.g[keys[k]!.field],
  ).map((r) => r.g)
}

/** Anything a section offers for filtering: an opened archive's Section, or any iterable. */
export type EntrySource<T> = Iterable<T>

/** The entries of a section (or any iterable) that pass `predicate`, stopping after `limit` matches. */
export function filterSection<T extends object>(section: EntrySource<T>, predicate: Predicate<T> | undefined, limit?: number): T[] {
  const out: T[] = []
  const max = limit === undefined ? Infinity : Math.max(0, limit)
  if (max === 0) return out
  for (const e of section) {
    if (predicate && !predicate(e)) continue
    out.push(e)
    if (out.length >= max) break
  }
  return out
}
