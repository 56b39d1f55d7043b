// Every reading verb of the CLI, as argument lists over one case's files: info, validate, the four list
// verbs (table, --json, --csv, --group-by), query, export (json, ndjson, csv, minidump, parquet), diff (table, --json, --csv)
// against a later variant, trend over a short series, redact (and info of what it wrote, which is hostile
// input too).

/** How a verb's stdout is judged: human text (escaped), JSON / NDJSON (parses), CSV (neutral cells). */
export type OutputKind = 'human' | 'json' | 'ndjson' | 'csv'

export interface Verb {
  /** A short stable name for reports and failure classes: `handles --csv`, `diff --json`. */
  label: string
  argv: string[]
  output: OutputKind
  /** Which of the case's files it reads (the budget's D is their decoded bytes summed). */
  reads: ('a' | 'b' | 'c' | 'redacted')[]
  /** Exit 3 (a --fail-on gate crossed) is a typed outcome for this verb. */
  gate?: boolean
}

export interface CaseFiles {
  a: string
  b: string
  c: string
  redacted: string
  map: string
  /** Where `export --format minidump` writes (binary: its stdout and stderr are what is judged). */
  dump: string
  /** The folder `export --format parquet` creates (removed before each case: the export never writes into an existing one). */
  parquet: string
}

const LISTS = [
  ['handles', 'typeName'],
  ['threads', 'threadName'],
  ['regions', 'mappedFileName'],
  ['aux', 'pageSize'],
] as const

/** `--where` expressions over hostile content, one per case in turn (the first is the backtracking one of issue 18). */
const QUERIES = [
  { name: 'regex', section: 'handles', where: 'objectName ~ /^(\\/?[a-z]+)+\\.log$/', sort: 'captureTime:desc' },
  { name: 'proto', section: 'handles', where: "typeName = 'constructor' or objectName ~ proto", sort: 'typeName' },
  { name: 'escapes', section: 'threads', where: 'threadName ~ /\\x1b|\\u202e/', sort: 'captureTime:desc' },
  { name: 'formula', section: 'regions', where: "mappedFileName ~ '='", sort: 'baseAddress:desc' },
] as const

/**
 * The verbs one case runs. Every verb runs on every case; with `allModes` each in every output mode and every
 * query (37 runs), otherwise in one mode chosen by the seed (12 runs): any five consecutive seeds cover them all.
 */
export function verbsFor(files: CaseFiles, seed: number, allModes = false): Verb[] {
  const { a, b, c } = files
  const one = <T>(choices: readonly T[], shift = 0): T[] => (allModes ? [...choices] : [choices[(seed + shift) % choices.length]!])
  const verbs: Verb[] = []
  for (const json of one([false, true])) verbs.push(json ? { label: 'info --json', argv: ['info', a, '--json'], output: 'json', reads: ['a'] } : { label: 'info', argv: ['info', a], output: 'human', reads: ['a'] })
  for (const json of one([true, false], 1)) verbs.push(json ? { label: 'validate --json', argv: ['validate', a, '--json'], output: 'json', reads: ['a'] } : { label: 'validate', argv: ['validate', a], output: 'human', reads: ['a'] })
  LISTS.forEach(([list, groupField], i) => {
    const modes: Verb[] = [
      { label: list, argv: [list, a], output: 'human', reads: ['a'] },
      { label: `${list} --json`, argv: [list, a, '--json'], output: 'json', reads: ['a'] },
      { label: `${list} --csv`, argv: [list, a, '--csv'], output: 'csv', reads: ['a'] },
      { label: `${list} --group-by`, argv: [list, a, '--group-by', groupField], output: 'human', reads: ['a'] },
    ]
    verbs.push(...one(modes, i))
  })
  for (const q of one(QUERIES)) verbs.push({ label: `query --where ${q.name}`, argv: ['query', a, q.section, '--where', q.where, '--sort', q.sort], output: 'human', reads: ['a'] })
  const csvSection = LISTS[seed % LISTS.length]![0]
  verbs.push(
    ...one<Verb>([
      { label: 'export json', argv: ['export', a, '--format', 'json'], output: 'json', reads: ['a'] },
      { label: 'export ndjson', argv: ['export', a, '--format', 'ndjson', '--include-blobs'], output: 'ndjson', reads: ['a'] },
      { label: 'export csv', argv: ['export', a, '--format', 'csv', '--section', csvSection], output: 'csv', reads: ['a'] },
      { label: 'export minidump', argv: ['export', a, '--format', 'minidump', '-o', files.dump, '--force'], output: 'human', reads: ['a'] },
      { label: 'export parquet', argv: ['export', a, '--format', 'parquet', '-o', files.parquet], output: 'human', reads: ['a'] },
    ]),
    ...one<Verb>([
      { label: 'diff', argv: ['diff', a, b, '--details'], output: 'human', reads: ['a', 'b'] },
      { label: 'diff --json', argv: ['diff', a, b, '--json', '--fail-on', 'handles+1'], output: 'json', reads: ['a', 'b'], gate: true },
      { label: 'diff --csv', argv: ['diff', a, b, '--csv'], output: 'csv', reads: ['a', 'b'] },
    ]),
    ...one<Verb>(
      [
        { label: 'trend', argv: ['trend', a, b, c], output: 'human', reads: ['a', 'b', 'c'] },
        { label: 'trend --json', argv: ['trend', a, b, c, '--json'], output: 'json', reads: ['a', 'b', 'c'] },
        { label: 'trend --csv', argv: ['trend', a, b, c, '--csv'], output: 'csv', reads: ['a', 'b', 'c'] },
      ],
      1,
    ),
    { label: 'redact', argv: ['redact', a, '-o', files.redacted, '--key', 'hostile-fuzz', '--map', files.map], output: 'human', reads: ['a'] },
    { label: 'info (redacted)', argv: ['info', files.redacted], output: 'human', reads: ['redacted'] },
  )
  return verbs
}
