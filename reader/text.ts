// Text rendering of entry values for tables and CSV (spec/JSON.md is the JSON one): addresses in hex,
// sizes in binary units (exact bytes in CSV), FILETIMEs as ISO-8601, durations in seconds, enums and
// flags by name. Also the default columns of each section's table and the `--columns` selection.
// Platform-free.
import type { FieldKind } from '../format/fields.js'
import { NAME_TABLES, nameValue, type NameTableId } from '../format/names.js'
import { fieldPaths, registerNames, resolveField, sectionId, storedFieldPaths, type AccessOptions, type FieldRef, type SectionId } from './access.js'
import { safeText } from './display.js'
import { filetimeToIso, isoLength, toBase64 } from './json.js'
import { linuxPerms } from './linux-perms.js'
import { socketText } from './linux-sockets.js'

/** `table`: for people (human sizes, '-' for absent). `csv`: exact (sizes in bytes, '' for absent). */
export type TextMode = 'table' | 'csv'

export interface TextOptions {
  mode?: TextMode
  /** Hex digits addresses are zero-padded to (default 16). */
  addrDigits?: number
  /** Blob bytes as base64 instead of `<n bytes>`. */
  includeBlobs?: boolean
}

/** What rendering needs to know about a field (a FieldRef fits). */
export interface KindInfo {
  readonly kind: FieldKind | undefined
  readonly names?: NameTableId | undefined
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']

/** `512 B`, `64 KiB`, `1.5 MiB`: binary units, one decimal when not exact. */
export function formatSize(bytes: number | bigint): string {
  const neg = bytes < 0
  let n = neg ? -bytes : bytes
  let unit = 0
  // Divide as bigint while large so 64-bit sizes keep their magnitude, then finish in float.
  while (typeof n === 'bigint' && n >= 1n << 50n) {
    n /= 1024n
    unit++
  }
  let v = Number(n)
  while (v >= 1024 && unit < UNITS.length - 1) {
    v /= 1024
    unit++
  }
  const text = unit === 0 || Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '')
  return `${neg ? '-' : ''}${text} ${UNITS[unit]}`
}

/** `0x00007ff612345678`: hex zero-padded to `digits` (16 by default: every 64-bit value lines up). */
export function formatAddress(value: bigint | number, digits = 16): string {
  const v = typeof value === 'bigint' ? BigInt.asUintN(64, value) : value >>> 0 === value ? value : BigInt.asUintN(64, BigInt(value))
  return `0x${v.toString(16).padStart(digits, '0')}`
}

/** `0x1f0fff` (unpadded hex of a 32- or 64-bit value; negative i32 as its unsigned bits). */
export function formatHex(value: bigint | number): string {
  if (typeof value === 'bigint') return `0x${BigInt.asUintN(64, value).toString(16)}`
  return Number.isInteger(value) && value < 0 && value >= -0x80000000 ? `0x${(value >>> 0).toString(16)}` : `0x${value.toString(16)}`
}

/** ISO-8601 of a FILETIME; '' for 0 (never set) or a time out of Date's range. */
export function formatTime(ticks: bigint | number): string {
  return filetimeToIso(BigInt(ticks)) ?? ''
}

/** A FILETIME duration in seconds with 3 decimals (`1.250`), exact from the 100 ns ticks. */
export function formatDuration(ticks: bigint | number): string {
  // Below 2^40 ticks (30 hours) in Number arithmetic, exactly: BigInt's allocations cost a table of a million
  // threads more than the rest of the cell.
  const n = Number(ticks)
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 40) {
    const ms = Math.floor((Math.abs(n) + 5000) / 10000)
    const s = Math.floor(ms / 1000)
    return `${n < 0 ? '-' : ''}${s}.${THREE_DIGITS[ms - s * 1000]}`
  }
  const t = BigInt(ticks)
  const neg = t < 0n
  const ms = ((neg ? -t : t) + 5000n) / 10000n // rounded to the millisecond
  return `${neg ? '-' : ''}${ms / 1000n}.${String(ms % 1000n).padStart(3, '0')}`
}

const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'))

/** Names of an enum/flags value (`SECTION`, `READWRITE|GUARD`), the number when the table does not know it. */
export function formatNamed(names: NameTableId | undefined, value: number | bigint, short = true): string {
  const table = names ? NAME_TABLES[names] : undefined
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!table || !Number.isInteger(n) || n < 0 || n > 0xffffffff) return String(value)
  if (!short) return nameValue(table, n, false)
  // A column repeats a few values a million times: their short names are remembered (up to NAMED_MEMO per table).
  let memo = namedMemo.get(names!)
  if (memo === undefined) namedMemo.set(names!, (memo = new Map()))
  let text = memo.get(n)
  if (text === undefined) {
    text = nameValue(table, n, true)
    if (memo.size < NAMED_MEMO) memo.set(n, text)
  }
  return text
}

/** Distinct values per name table whose short names are remembered: a hostile column of all-distinct values stops there. */
const NAMED_MEMO = 4096
const namedMemo = new Map<NameTableId, Map<number, string>>()

/** One value as text. Absent values are '-' in tables and '' in CSV. */
export function formatValue(field: KindInfo, value: unknown, options: TextOptions = {}): string {
  const mode = options.mode ?? 'table'
  if (value === undefined || value === null) return mode === 'table' ? '-' : ''
  if (value instanceof Uint8Array) return options.includeBlobs ? toBase64(value) : `<${value.length} bytes>`
  if (typeof value === 'string') return value
  if (typeof value !== 'number' && typeof value !== 'bigint') return typeof value === 'object' ? JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : String(value)
  switch (field.kind) {
    case 'addr':
      return formatAddress(value, options.addrDigits ?? 16)
    case 'size':
      return mode === 'table' ? formatSize(value) : String(value)
    case 'time':
      return formatTime(value)
    case 'dur':
      return mode === 'table' ? `${formatDuration(value)}s` : formatDuration(value)
    case 'hex':
      return formatHex(value)
    case 'enum':
    case 'flags':
      return formatNamed(field.names, value)
    default:
      return String(value)
  }
}

/**
 * The text `~` matches against: like CSV, but addresses unpadded (`0x7ff6…`, so `/^0x7ff6/` works) and
 * enums/flags by their full names (`MEM_COMMIT`, `PAGE_EXECUTE_READ|PAGE_GUARD`), which contain the short ones.
 */
export function matchText(field: KindInfo, value: unknown): string {
  if (value === undefined || value === null) return ''
  if ((typeof value === 'number' || typeof value === 'bigint') && field.kind !== undefined) {
    if (field.kind === 'addr') return formatHex(value)
    if (field.kind === 'enum' || field.kind === 'flags') return formatNamed(field.names, value, false)
  }
  return formatValue(field, value, { mode: 'csv' })
}

/** True for kinds whose table cells read best right-aligned. */
export function isNumericKind(kind: FieldKind | undefined): boolean {
  return kind === 'int' || kind === 'size' || kind === 'dur'
}

// ---- columns ----

/** The table's default columns per section (shown when present in the archive). */
export const DEFAULT_COLUMNS: Readonly<Record<SectionId, readonly string[]>> = {
  // Columns absent from an archive are not shown, so the Linux-only 1.1 fields appear only where captured.
  handles: ['handle', 'typeName', 'objectName', 'grantedAccess', 'handleCount', 'pointerCount', 'openFlags', 'filePosition', 'details'],
  threads: ['threadId', 'priority', 'basePriority', 'suspendCount', 'win32StartAddress', 'registers.$pc', 'registers.$sp', 'createTime', 'flags', 'schedulerState', 'threadName'],
  vaSpace: ['baseAddress', 'regionSize', 'state', 'protect', 'type', 'residentSize', 'proportionalSize', 'swappedSize', 'mappedFileName'],
  auxiliaryPages: ['address', 'pageSize', 'captureTime'],
}

export interface TableColumn {
  /** Header text. */
  readonly label: string
  readonly field: FieldRef
}

export interface ColumnOptions extends AccessOptions {
  /** Stored fields present in at least one chunk (Section.fields): defaults absent from the archive are left out. */
  present?: readonly string[]
  /** The archive's `host.platform`: on `linux`, `fd` names the `handle` field. */
  platform?: string
  /**
   * Columns for a table a person reads: on Linux a handle is then shown as the fd number it is (decimal, column
   * `fd`). CSV keeps field paths as headers and addresses as hex (spec/JSON.md, CSV), so it leaves this unset.
   */
  forTable?: boolean
}

/**
 * A column in the archive platform's own terms. On Linux a handle is a file descriptor: `fd 27`, not `0x1b`
 * (spec/LINUX.md §5); the stored value and JSON are unchanged.
 */
function platformColumn(field: FieldRef, label: string, platform: string | undefined): TableColumn {
  if (platform === 'linux' && field.path === 'handle') return { label: label === 'handle' ? 'fd' : label, field: { ...field, kind: 'int' } }
  // A Linux socket as ss shows it (`tcp 127.0.0.1:8080 → 127.0.0.1:51234 ESTABLISHED`) where the 1.2 columns hold it.
  if (platform === 'linux' && field.path === 'objectName') {
    const get = (entry: object) => socketText(entry) ?? field.get(entry)
    return { label, field: { ...field, get } }
  }
  // The maps column's pseudo-paths (`[heap]`, `[anon:name]`, format 1.2 mappingLabel) where no file is mapped, as maps prints them.
  if (platform === 'linux' && field.path === 'mappedFileName') {
    const get = (entry: object) => field.get(entry) ?? (entry as { mappingLabel?: unknown }).mappingLabel
    return { label, field: { ...field, get } }
  }
  // A Linux region's protection as maps prints it (`r-xp`), not PAGE_* names (reader/linux-perms.ts).
  if (platform === 'linux' && field.path === 'protect') {
    const get = (entry: object) => {
      const e = entry as { protect?: unknown; type?: unknown; state?: unknown; mapsPermissions?: unknown }
      const protect = field.get(entry)
      return linuxPerms(protect, e.type, e.state, e.mapsPermissions) ?? (protect === undefined ? undefined : formatValue(field, protect))
    }
    return { label: label === 'protect' ? 'perms' : label, field: { path: field.path, dtype: undefined, kind: 'text', get } }
  }
  return { label, field }
}

/**
 * Columns for a section's table or CSV: `undefined` for the defaults, `all` for every field the archive
 * holds (plus decoded registers for threads), or a comma-separated list of field names (`resolveField` rules).
 */
export function selectColumns(section: string, spec: string | undefined, options: ColumnOptions = {}): TableColumn[] {
  const id = sectionId(section)
  if (!id) throw new RangeError(`unknown section '${section}'`)
  const present = options.present ? new Set(options.present) : undefined
  const hasContexts = !present || present.has('contextRecord')
  const arch = options.contextArchitecture ?? 'x64'
  const column = (field: FieldRef): TableColumn => platformColumn(field, field.path.startsWith('registers.') ? field.path.slice('registers.'.length) : field.path, options.forTable ? options.platform : undefined)
  const trimmed = spec?.trim()
  if (!trimmed) {
    const regs = registerNames(arch)
    const defaults = DEFAULT_COLUMNS[id].map((p) => (p === 'registers.$pc' ? (regs[0] ? `registers.${regs[0]}` : '') : p === 'registers.$sp' ? (regs[1] ? `registers.${regs[1]}` : '') : p)).filter((p) => p !== '')
    // A Linux thread's `flags` only repeats its state (TERMINATED for Z/X, spec/LINUX.md §3): schedulerState says it in Linux's words.
    const linuxRedundant = options.platform === 'linux' && id === 'threads' ? new Set(['flags']) : undefined
    const shown = defaults.filter((p) => !linuxRedundant?.has(p) && (p.startsWith('registers.') ? hasContexts : !present || present.has(p)))
    // An empty section has no fields present: show the default header anyway.
    return (shown.length ? shown : defaults.filter((p) => !p.startsWith('registers.') && p !== 'threadName')).map((p) => column(resolveField(id, p, options)))
  }
  if (trimmed === 'all') {
    const stored = storedFieldPaths(id).filter((p) => !present || present.has(p))
    const extra = present ? [...present].filter((p) => !stored.includes(p) && fieldPaths(id, options).includes(p)) : []
    const regs = id === 'threads' && hasContexts ? registerNames(arch).map((r) => `registers.${r}`) : []
    return [...stored, ...extra, ...regs].map((p) => column(resolveField(id, p, options)))
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name) => column(resolveField(id, linuxAlias(id, name, options.platform) ?? name, options)))
}

/** Column names of a Linux archive's own terms: `fd` for handles' `handle`, `perms` for regions' `protect`. */
function linuxAlias(id: SectionId, name: string, platform: string | undefined): string | undefined {
  if (platform !== 'linux') return undefined
  const lower = name.toLowerCase()
  return id === 'handles' && lower === 'fd' ? 'handle' : id === 'vaSpace' && lower === 'perms' ? 'protect' : undefined
}

// ---- tables and CSV ----

/**
 * Column widths and address padding of a table, measured in one pass over the entries so the rows can then be
 * rendered and written one at a time (a million-row table never exists as one string).
 */
export interface TableLayout {
  readonly widths: readonly number[]
  /** Hex digits each address column is padded to: the widest value in the column, not 16. */
  readonly digits: readonly number[]
  readonly right: readonly boolean[]
  /** Columns cut to fit a width (fitLayout): their cells end in `…` beyond widths[i]. */
  readonly cut?: readonly boolean[]
}

/** The narrowest a cut column becomes: enough to recognise a path's start. */
export const MIN_CUT_WIDTH = 12

/** Code points of `cell`, cut to `width` with `…` as the last one. */
export function cutCell(cell: string, width: number): string {
  if (cell.length <= width) return cell
  const points = Array.from(cell)
  return points.length <= width ? cell : `${points.slice(0, Math.max(0, width - 1)).join('')}…`
}

/**
 * A layout narrowed to `maxWidth` terminal columns: the widest text or flag-list column gives up one character
 * at a time (so the widest is always cut first and no column ends narrower than it needs to), never below
 * MIN_CUT_WIDTH or its header; numbers, addresses, sizes and times are never cut. `undefined` (piped output,
 * `--wide`) keeps the layout as it is.
 */
export function fitLayout(layout: TableLayout, columns: readonly TableColumn[], maxWidth: number | undefined): TableLayout {
  if (maxWidth === undefined || !(maxWidth > 0)) return layout
  const widths = [...layout.widths]
  const original = layout.widths
  let excess = widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, widths.length - 1) - maxWidth
  const floor = columns.map((c) => Math.max(MIN_CUT_WIDTH, c.label.length))
  const cuttable = columns.map((c) => c.field.kind === 'text' || c.field.kind === undefined || c.field.kind === 'flags')
  // Each step takes one character from the widest column that can give one: at most one step per character of
  // excess, and the excess is bounded by the table's width (cells are cut at CELL_DISPLAY_LENGTH).
  while (excess > 0) {
    let widest = -1
    for (let i = 0; i < widths.length; i++) if (cuttable[i] && widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i
    if (widest < 0) break
    widths[widest]!--
    excess--
  }
  const cut = widths.map((w, i) => w < original[i]!)
  return cut.some(Boolean) ? { ...layout, widths, cut } : layout
}

export function tableLayout(columns: readonly TableColumn[], entries: Iterable<object>, options: { padLimit?: number } = {}): TableLayout {
  const digits = columns.map(() => 1)
  const widths = columns.map((c) => c.label.length)
  const isAddr = columns.map((c) => c.field.kind === 'addr')
  const isTime = columns.map((c) => c.field.kind === 'time')
  // How many cells of each width (the last bucket: that width or more), for the padding limit below.
  const counts = columns.map(() => new Uint32Array(WIDTH_BUCKETS + 1))
  let rows = 0
  for (const e of entries) {
    rows++
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!
      const v = c.field.get(e)
      if (isAddr[i] && (typeof v === 'bigint' || typeof v === 'number')) {
        const d = formatHex(v).length - 2
        if (d > digits[i]!) digits[i] = d
        if (d + 2 > widths[i]!) widths[i] = d + 2
      } else {
        // A time's width is known from its year (formatTime gives '' for 0: width 0); every other cell is rendered.
        const w = isTime[i] && (typeof v === 'bigint' || typeof v === 'number') ? isoLength(BigInt(v)) : cellText(c.field, v, TABLE).length
        if (w > widths[i]!) widths[i] = w
        counts[i]![Math.min(w, WIDTH_BUCKETS)]!++
      }
    }
  }
  // Padding every row to the widest cell of its column makes the table rows × widest: one 2,000-character
  // name among a million one-byte rows is 2 GB of spaces from a 3 KB archive, past any reading budget. Above
  // PAD_LIMIT characters a column is as wide as all but its widest 1 in 1,000 cells; those print whole, and
  // only their own rows lose alignment.
  const total = rows * (widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, columns.length - 1))
  if (total > (options.padLimit ?? PAD_LIMIT)) {
    const allowed = Math.floor(rows / 1000)
    for (let i = 0; i < columns.length; i++) {
      if (isAddr[i]) continue
      let wider = 0
      let w = WIDTH_BUCKETS
      for (; w > columns[i]!.label.length; w--) {
        wider += counts[i]![w]!
        if (wider > allowed) break
      }
      if (w < widths[i]!) widths[i] = w
    }
  }
  return { widths, digits, right: columns.map((c) => isNumericKind(c.field.kind)) }
}

/** Characters of a table (rows × line width) above which columns are no longer padded to their rarest widths. */
export const PAD_LIMIT = 64 << 20
/** Cell widths counted one by one up to this; wider cells share the last count. */
const WIDTH_BUCKETS = 4096

const TABLE: TextOptions = { mode: 'table' }

/**
 * A value's table cell. Text we formatted from a number (digits, hex, sizes, ISO times, names from our own
 * tables) has nothing to escape and is short; everything else, a string from the archive above all, goes
 * through displayCell.
 */
function cellText(field: FieldRef, value: unknown, options: TextOptions): string {
  const text = formatValue(field, value, options)
  return typeof value === 'number' || typeof value === 'bigint' ? text : displayCell(text)
}

/** Each layout's per-column text options (its address digits), made once rather than per cell. */
const cellOptions = new WeakMap<TableLayout, TextOptions[]>()

/** Table cells of one entry, for a layout. */
export function tableCells(columns: readonly TableColumn[], layout: TableLayout, entry: object): string[] {
  let options = cellOptions.get(layout)
  if (options === undefined) cellOptions.set(layout, (options = columns.map((_, i) => ({ mode: 'table', addrDigits: layout.digits[i]! }))))
  const cells = new Array<string>(columns.length)
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!
    const cell = cellText(c.field, c.field.get(entry), options[i]!)
    cells[i] = layout.cut?.[i] ? cutCell(cell, layout.widths[i]!) : cell
  }
  return cells
}

/** One table line: two spaces between columns, numeric kinds right-aligned, no trailing spaces. */
export function tableLine(layout: TableLayout, cells: readonly string[]): string {
  let line = ''
  // The line's last character so far (code unit): trimEnd, which flattens the line, is needed only when it may be white space.
  let end = 0x21
  const n = cells.length
  for (let i = 0; i < n; i++) {
    const cell = cells[i]!
    const pad = layout.widths[i]! - cell.length
    if (i) line += '  '
    if (pad > 0 && (layout.right[i] || i < n - 1)) {
      line += layout.right[i] ? spaces(pad) + cell : cell + spaces(pad)
      end = layout.right[i] && cell.length ? cell.charCodeAt(cell.length - 1) : 0x20
    } else {
      line += cell
      if (cell.length) end = cell.charCodeAt(cell.length - 1)
      else if (i) end = 0x20
    }
  }
  // Every character trimEnd removes is U+0009–U+000D, U+0020, or at or above U+00A0.
  return end <= 0x20 || end >= 0xa0 ? line.trimEnd() : line
}

/** `n` spaces, each length made once (widths are bounded by the cut of a cell). */
function spaces(n: number): string {
  return (SPACES[n] ??= ' '.repeat(n))
}
const SPACES: string[] = []

/** The header line of a table. */
export function tableHeader(columns: readonly TableColumn[], layout: TableLayout): string {
  return tableLine(layout, columns.map((c) => c.label))
}

/** Table cells of every entry, addresses padded to the widest in their column. */
export function tableRows(columns: readonly TableColumn[], entries: readonly object[]): string[][] {
  const layout = tableLayout(columns, entries)
  return entries.map((e) => tableCells(columns, layout, e))
}

/** A whole table as one string (header, rows, trailing newline), from rendered cells; `maxWidth` as fitLayout. */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], options: { header?: (text: string) => string; maxWidth?: number | undefined } = {}): string {
  const widths = columns.map((c) => c.label.length)
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length)
  const layout = fitLayout({ widths, digits: columns.map(() => 16), right: columns.map((c) => isNumericKind(c.field.kind)) }, columns, options.maxWidth)
  const head = tableHeader(columns, layout)
  const fitted = layout.cut ? rows.map((r) => r.map((cell, i) => (layout.cut![i] ? cutCell(cell, layout.widths[i]!) : cell))) : rows
  return [options.header ? options.header(head) : head, ...fitted.map((r) => tableLine(layout, r))].join('\n') + '\n'
}

/**
 * Code points a table cell shows before it is cut (`…(+n more)`): a long Windows path or command line
 * still fits, while a hostile 100M-character name costs no more than this to lay out.
 */
export const CELL_DISPLAY_LENGTH = 256

/** A table cell as a person may see it: controls, bidi and format characters escaped, long text cut (reader/display.ts). */
export function displayCell(text: string): string {
  return safeText(text, { max: CELL_DISPLAY_LENGTH })
}

export interface CsvOptions {
  /**
   * Keep cells exactly as they are (`--csv-raw`, for pipelines). By default a cell a spreadsheet would
   * evaluate as a formula gets a leading `'` (see `neutralizeCsvCell`).
   */
  raw?: boolean
  /**
   * The CSV goes to a terminal, not a file or a pipe: cells are also escaped for display (safeText, uncut),
   * because CSV has no escape for ESC or bidi controls and a person is reading it.
   */
  terminal?: boolean
}

/** A decimal number as CSV writes them (`-12`, `+3.5`, `-1e3`, `0.250`): safe to leave as it is. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * A cell made inert for spreadsheets (CSV formula injection): Excel, LibreOffice and Google Sheets evaluate a
 * cell starting with `=`, `+`, `-`, `@`, TAB or CR as a formula, so an object name such as
 * `=HYPERLINK("http://…")` or `+cmd|' /C calc'!A0` from a hostile archive would run when the CSV is opened.
 * Such a cell gets a leading `'` (the common rule, which spreadsheets show as text); plain numbers stay.
 */
export function neutralizeCsvCell(cell: string): string {
  const first = cell.charCodeAt(0)
  // = + - @ TAB CR
  if (first !== 0x3d && first !== 0x2b && first !== 0x2d && first !== 0x40 && first !== 0x09 && first !== 0x0d) return cell
  return PLAIN_NUMBER.test(cell) ? cell : `'${cell}`
}

/**
 * One RFC 4180 record (with its CRLF): fields quoted when they hold a quote, comma, CR or LF; formula-looking
 * cells neutralised unless `raw` (spec/JSON.md, CSV).
 */
export function csvRecord(cells: readonly string[], options: CsvOptions = {}): string {
  const raw = options.raw === true
  const terminal = options.terminal === true
  let record = ''
  for (let i = 0; i < cells.length; i++) {
    const exact = raw ? cells[i]! : neutralizeCsvCell(cells[i]!)
    const c = terminal ? safeText(exact, { max: Infinity }) : exact
    record += (i ? ',' : '') + (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)
  }
  return `${record}\r\n`
}

/** CSV record of one entry: exact values (sizes in bytes, addresses as 16 hex digits). */
export function csvCells(columns: readonly TableColumn[], entry: object, options: { includeBlobs?: boolean } = {}): string[] {
  return columns.map((c) => formatValue(c.field, c.field.get(entry), { mode: 'csv', ...(options.includeBlobs ? { includeBlobs: true } : {}) }))
}
