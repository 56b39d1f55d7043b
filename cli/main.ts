// `pssnap`: the command line. Thin by design: parse arguments (yargs), call the library, render. Command
// code is imported only once a command runs, so `--help` and `--version` load nothing but yargs.
//
// Exit codes: 0 success; 1 a reported failure (`CODE - message` on stderr: ArchiveError, QueryError,
// a missing file…; `validate` also exits 1 when the archive has an error diagnostic); 2 a usage error
// (unknown command or option, missing argument): the problem, a did-you-mean and the --help hint, at most 3 lines.
import { readFileSync } from 'node:fs'
import yargs, { type Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { safeText } from '../reader/display.js'
import { suggest } from '../reader/suggest.js'
import { setMaxDecoded } from './decode-limit.js'
import { sourceMappedStack } from './stack.js'
import { styleFor } from './io.js'
import { usageLines } from './usage.js'

class UsageError extends Error {
  constructor(
    message: string,
    /** What to print: the problem, a did-you-mean, the --help hint (cli/usage.ts). */
    readonly lines: readonly string[],
  ) {
    super(message)
  }
}

const COMMANDS = ['info', 'handles', 'threads', 'regions', 'aux', 'query', 'validate', 'export', 'diff', 'trend', 'redact', 'report', 'view', 'sql', 'capture', 'watch', 'ps', 'selftest']

/** What the matched command will do, run after parsing so every failure reaches one handler. */
type Action = () => Promise<number | void>

/** Set by scripts/build-exe.mjs in the one-file executables, which have no package.json beside them. */
declare const __PSSNAP_VERSION__: string | undefined

function version(): string {
  if (typeof __PSSNAP_VERSION__ === 'string') return __PSSNAP_VERSION__
  try {
    // dist/cli.js → ../package.json is the package's own manifest.
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

const OUTPUT_OPTIONS = {
  json: { type: 'boolean', description: 'JSON document (spec/JSON.md)' },
  ndjson: { type: 'boolean', description: 'one JSON object per line' },
  csv: { type: 'boolean', description: 'CSV (RFC 4180) with a header row' },
} as const

/** CSV cells that a spreadsheet would run as formulas get a leading ' unless this is given (spec/JSON.md, CSV). */
const CSV_RAW_OPTION = { 'csv-raw': { type: 'boolean', description: "CSV cells exactly as stored: no ' before cells starting with = + - @ TAB CR (for pipelines, not spreadsheets)" } } as const

/** Tables are cut to the terminal; piped output is whole unless COLUMNS asks otherwise (reader/text.ts fitLayout). */
const WIDE_OPTION = { wide: { type: 'boolean', description: "tables: never cut the widest text column to fit the terminal's width (on a terminal, or when COLUMNS is set, it is cut with …; piped output is not cut)" } } as const

const WHERE_HELP = `--where: comparisons on any field, combined with and / or / not and parentheses:
  field = value   != < <= > >=      field ~ text   field ~ /regex/i   field !~ …
  field in (a, b, c)   field not in (…)   field has FLAG   field = null
Values: 42  0x7ff6a000  64KB 1.5MiB (1024-based)  250ms 2s (durations)
  2026-11-25T12:00Z (times)  'quoted text'  NAME or NAME|NAME for enums and flags
  (objectType = SECTION, state = COMMIT or MEM_COMMIT, protect = READWRITE|GUARD).
Fields are dotted paths (typeSpecificInformation.process.processId, basicInformation.state),
matched ignoring case; a unique last part is enough (Rip → registers.Rip, process.processId).`

/** Section names `query` takes, any case (reader/access.ts SECTION_ALIASES, kept here so --help loads nothing). */
const QUERY_SECTIONS = ['handles', 'threads', 'regions', 'vaSpace', 'aux', 'auxiliaryPages']

function sectionCheck(a: { section?: unknown }): true | string {
  const name = String(a.section)
  if (QUERY_SECTIONS.some((s) => s.toLowerCase() === name.toLowerCase())) return true
  const meant = suggest(name, QUERY_SECTIONS, 1)
  return `unknown section '${name}'${meant.length ? ` (did you mean ${meant[0]}?)` : ''}: use handles, threads, regions or aux`
}

function listCommand(y: Argv, what: string): Argv {
  return y
    .positional('archive', { type: 'string', description: 'a .pssnap archive', demandOption: true })
    .options({
      where: { type: 'string', alias: 'w', description: 'keep entries matching an expression (see below)', requiresArg: true },
      sort: { type: 'string', alias: 's', description: 'sort by fields: field[:desc],… (with --group-by: count, sum or key, e.g. count:desc)', requiresArg: true },
      limit: { type: 'number', alias: 'n', description: 'show at most N entries (or groups)', requiresArg: true },
      columns: { type: 'string', alias: 'c', description: "table/CSV columns: a,b,c or 'all'", requiresArg: true },
      'group-by': { type: 'string', alias: 'g', description: 'count entries per value of a field', requiresArg: true },
      sum: { type: 'string', description: 'with --group-by: also sum this field per group', requiresArg: true },
      ...OUTPUT_OPTIONS,
      ...CSV_RAW_OPTION,
      ...WIDE_OPTION,
    })
    .conflicts({ json: ['ndjson', 'csv'], ndjson: 'csv' })
    .check((a) => (a.limit === undefined || (Number.isInteger(a.limit) && (a.limit as number) >= 0) ? true : '--limit takes a whole number ≥ 0'))
    .check((a) => (a.sum === undefined || a['group-by'] !== undefined ? true : '--sum needs --group-by: the sum is per group'))
    .epilogue(`Lists the ${what} of an archive as a table (default), JSON, NDJSON or CSV.\n\n${WHERE_HELP}`)
}

export async function main(argv: string[]): Promise<number> {
  let action: Action | undefined
  let verbose = argv.includes('--verbose')
  let colorWanted: boolean | undefined = argv.includes('--no-color') ? false : undefined
  const run = (fn: Action) => {
    action = fn
  }

  const parser = yargs(argv)
    .scriptName('pssnap')
    .usage('$0 <command> [options]\n\nCapture a process into a checksummed archive (Windows Process Snapshotting layout; Linux from /proc), then read, query, diff and validate archives on any OS.')
    .version(version())
    .help()
    .alias('help', 'h')
    .options({
      verbose: { type: 'boolean', description: 'show stack traces of failures', global: true },
      color: { type: 'boolean', description: 'colour output on a terminal (--no-color to disable)', global: true },
      strict: { type: 'boolean', description: 'exit 1 when an archive read is damaged or incomplete (its output is still written, and a warning says what is missing)', global: true },
      'max-decoded': { type: 'string', description: 'refuse (TOO_LARGE) an archive whose frames decode to more than this: bytes, or 512M, 2G… (default 1G)', global: true, requiresArg: true, coerce: setMaxDecoded },
    })
    .command(
      'info <archive>',
      'summary: target, capture, process, sections, timings, errors',
      (y) => y.positional('archive', { type: 'string', description: 'a .pssnap archive', demandOption: true }).options({ json: OUTPUT_OPTIONS.json }).example('$0 info capture.pssnap', 'what was captured, how, and what went wrong').example('$0 info capture.pssnap --json', 'the same as JSON (schema pssnap.info/1)'),
      (a) => run(async () => (await import('./commands.js')).info(a)),
    )
    .command(
      'handles <archive>',
      'list handles (PSS_HANDLE_ENTRY)',
      (y) =>
        listCommand(y, 'handles (Linux: file descriptors)')
          .example("$0 handles capture.pssnap --where 'objectType = SECTION'", 'Windows: section handles')
          .example("$0 handles capture.pssnap --where 'objectName ~ BaseNamedObjects' --csv", 'Windows: named objects as CSV')
          .example("$0 handles capture.pssnap --where 'typeName = Socket'", 'Linux: open sockets (fd numbers in decimal)')
          .example("$0 handles capture.pssnap --where 'openFlags has WRONLY'", 'Linux: descriptors open for writing')
          .example('$0 handles capture.pssnap --group-by typeName --sort count:desc', 'handle (fd) count per type, most first'),
      (a) => run(async () => (await import('./commands.js')).list('handles', a)),
    )
    .command(
      'threads <archive>',
      'list threads (PSS_THREAD_ENTRY) with decoded registers',
      (y) =>
        listCommand(y, 'threads')
          .example("$0 threads capture.pssnap --sort 'kernelTime:desc' --limit 5", 'busiest threads')
          .example('$0 threads capture.pssnap --columns threadId,Rip,Rsp,threadName', 'Windows: registers from the thread contexts')
          .example("$0 threads capture.pssnap --where 'schedulerState = D'", 'Linux: threads in uninterruptible (disk) sleep'),
      (a) => run(async () => (await import('./commands.js')).list('threads', a)),
    )
    .command(
      'regions <archive>',
      'list memory regions (PSS_VA_SPACE_ENTRY)',
      (y) =>
        listCommand(y, 'memory regions (Linux: mappings)')
          .example("$0 regions capture.pssnap --where 'state = COMMIT and protect ~ EXECUTE'", 'executable committed memory')
          .example('$0 regions capture.pssnap --group-by type --sum regionSize --sort sum:desc', 'bytes per region type, largest first')
          .example("$0 regions capture.pssnap --where 'regionSize >= 1MiB' --sort regionSize:desc", 'large regions first')
          .example("$0 regions capture.pssnap --where 'mappedFileName ~ .so' --sort residentSize:desc", 'Linux (--preset full or memory): shared libraries by resident size'),
      (a) => run(async () => (await import('./commands.js')).list('regions', a)),
    )
    .command(
      'aux <archive>',
      'list auxiliary pages (PSS_AUXILIARY_PAGE_ENTRY)',
      (y) => listCommand(y, 'auxiliary pages').example('$0 aux capture.pssnap --json', 'auxiliary pages as JSON (page contents by length)'),
      (a) => run(async () => (await import('./commands.js')).list('aux', a)),
    )
    .command(
      'query <archive> <section>',
      'filter, sort and group any section (handles, threads, regions, aux)',
      (y) =>
        listCommand(y, 'entries of a section')
          .positional('section', { type: 'string', description: 'the section to query: handles, threads, regions (vaSpace) or aux (auxiliaryPages), any case', demandOption: true })
          .check(sectionCheck)
          .example("$0 query capture.pssnap handles --where 'typeName = File and objectName ~ .log' --sort handle:desc", 'open log files, newest handle first')
          .example("$0 query capture.pssnap handles --group-by typeName --sort count:desc", 'handle types, most frequent first (Linux: File, Socket, Pipe…)')
          .example('$0 query capture.pssnap regions --group-by protect --sum regionSize --json', 'bytes per protection as JSON'),
      (a) => run(async () => (await import('./commands.js')).list(String(a.section), a)),
    )
    .command(
      'validate <archive>',
      'check every checksum, length and column; report what is recoverable',
      (y) => y.positional('archive', { type: 'string', description: 'a .pssnap archive', demandOption: true }).options({ json: OUTPUT_OPTIONS.json }).example('$0 validate capture.pssnap', 'exit 0 when intact, 1 when damaged').epilogue('Reads the file as a stream: memory stays bounded whatever its size.'),
      (a) => run(async () => (await import('./commands.js')).validate(a)),
    )
    .command(
      'export <archive> [more..]',
      'write sections as JSON, NDJSON or CSV; many archives as Parquet tables',
      (y) =>
        y
          .positional('archive', { type: 'string', description: 'a .pssnap archive', demandOption: true })
          .options({
            format: { type: 'string', alias: 'f', choices: ['json', 'ndjson', 'csv', 'parquet', 'minidump'], description: 'output format (parquet: the sql tables, one file each, into the folder -o; spec/SQL.md; minidump: for lldb, WinDbg, rust-minidump; spec/MINIDUMP.md)', demandOption: true, requiresArg: true },
            'partition-by': { type: 'string', description: 'parquet: hive-style folders by host, date or host,date', requiresArg: true },
            section: { type: 'string', description: 'sections to export: handles, threads, regions, aux (comma-separated; one for csv)', requiresArg: true },
            where: { type: 'string', alias: 'w', description: 'keep entries matching an expression (one --section only)', requiresArg: true },
            columns: { type: 'string', alias: 'c', description: "CSV columns: a,b,c (default: all)", requiresArg: true },
            output: { type: 'string', alias: 'o', description: "write to a file (atomically, mode 0600; '-': stdout) instead of stdout", requiresArg: true },
            force: { type: 'boolean', description: 'replace an existing output file (never a device, FIFO, directory or the input)' },
            'include-blobs': { type: 'boolean', description: 'include thread contexts and page contents as base64' },
            ...CSV_RAW_OPTION,
          })
          .check((a) => {
            const sections = typeof a.section === 'string' ? a.section.split(',').filter((x) => x.trim()) : []
            if (a.format === 'csv' && sections.length !== 1) return '--format csv writes one section: add --section handles, threads, regions or aux'
            if (a.where !== undefined && sections.length !== 1) return '--where applies to one section: add --section'
            if (a.columns !== undefined && a.format !== 'csv') return '--columns applies to --format csv only'
            if (a.format !== 'parquet' && (a['partition-by'] !== undefined || (Array.isArray(a.more) && a.more.length))) return 'several archives and --partition-by are for --format parquet'
            if (a.format === 'parquet' && (a.section !== undefined || a.where !== undefined || a.output === undefined)) return '--format parquet writes every table of every archive into the folder -o (no --section or --where: filter with pssnap sql)'
            return true
          })
          .example('$0 export capture.pssnap --format json -o capture.json', 'everything as one JSON document (schema pssnap.export/1)')
          .example('$0 export capture.pssnap --format ndjson', 'one line per entry, with a "section" field')
          .example('$0 export capture.pssnap --format csv --section regions -o regions.csv', 'one section as CSV')
          .example('$0 export capture.pssnap --format minidump -o capture.dmp', 'a minidump for lldb or WinDbg (threads, registers, modules, regions; memory when captured)')
          .example('$0 export snap-*.pssnap --format parquet --partition-by host,date -o lake', 'many archives (or folders) as Parquet tables, in host=…/date=… folders'),
      (a) => run(async () => (a.format === 'parquet' ? (await import('./sql.js')).exportParquet(a) : a.format === 'minidump' ? (await import('./export-minidump.js')).exportMinidump(a) : (await import('./commands.js')).exportArchive(a))),
    )
    .command(
      'diff <a> <b>',
      'what changed between two snapshots: handles, threads, regions, modules, counters',
      (y) =>
        y
          .positional('a', { type: 'string', description: 'the earlier archive, or a folder of archives (capture --tree -o DIR): each process in both folders is diffed with itself', demandOption: true })
          .positional('b', { type: 'string', description: 'the later archive, or a folder of archives', demandOption: true })
          .options({
            json: { type: 'boolean', description: 'JSON document (schema pssnap.diff/1)' },
            csv: { type: 'boolean', description: 'CSV with a header row: one row per change, then the counters (spec/JSON.md)' },
            'fail-on': { type: 'string', array: true, description: 'exit 3 when a metric grows by at least this (4 when it cannot be compared): handles+100, handles.File+10, threads+5, private+50MB, committed+1GB, regions+20, modules+1', requiresArg: true },
            details: { type: 'boolean', description: 'list every changed entry (tables show 20 per list by default) and the performance counters' },
            limit: { type: 'number', alias: 'n', description: 'at most N entries per list (also in JSON)', requiresArg: true },
            ...CSV_RAW_OPTION,
          })
          .conflicts('json', 'csv')
          .check((a) => (a.limit === undefined || (Number.isInteger(a.limit) && (a.limit as number) >= 0) ? true : '--limit takes a whole number ≥ 0'))
          .example('$0 diff before.pssnap after.pssnap', 'summary per handle type and name, then the details')
          .example('$0 diff before.pssnap after.pssnap --fail-on handles+100 --fail-on private+50MB', 'CI gate: exit 3 when crossed')
          .epilogue('Handles match by value + type + object name, threads by id + create time, regions by base address.\nWarns when the pid, image or process create time differ. A section damaged or not captured in either archive is\nnot compared. Exit 3 when a --fail-on gate is crossed, 4 when a gate cannot be checked (its metric not comparable).\nTwo folders (capture --tree -o DIR, before and after): each process is diffed with itself (same pid, create time\nand image), the newest archive of it on each side; a process on one side only is listed, not compared.'),
      (a) => run(async () => (await import('./diff.js')).diff(a)),
    )
    .command(
      'trend <archives..>',
      'growth over a series of snapshots, with a leak verdict',
      (y) =>
        y
          .positional('archives', { type: 'string', array: true, description: 'archives of one process, in any order (sorted by capture time); a directory stands for its .pssnap files (pssnap watch -o DIR), grouped by process: one series and verdict each', demandOption: true })
          .options({
            json: { type: 'boolean', description: 'JSON document (schema pssnap.trend/2)' },
            csv: { type: 'boolean', description: 'CSV with a header row: one row per series, one column per snapshot (spec/JSON.md)' },
            'min-snapshots': { type: 'number', description: 'fewest snapshots before a LEAK or no-leak verdict (default 5)', requiresArg: true },
            'min-span': { type: 'number', description: 'shortest span in seconds before a LEAK or no-leak verdict (default 30)', requiresArg: true },
            ...CSV_RAW_OPTION,
          })
          .conflicts('json', 'csv')
          .check((a) => {
            const n = a['min-snapshots']
            const span = a['min-span']
            if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 3)) return '--min-snapshots takes a whole number ≥ 3'
            if (span !== undefined && !(typeof span === 'number' && span >= 0)) return '--min-span takes a number of seconds ≥ 0'
            return true
          })
          .example('$0 trend snap-*.pssnap', 'handles, threads and memory over time; leak verdict with its evidence')
          .example('$0 trend snap-*.pssnap --csv > growth.csv', 'every series as a spreadsheet row')
          .epilogue('LEAK needs a steady rise (Mann–Kendall, one-sided p ≤ 0.01; Theil–Sen slope) over at least 5 snapshots and 30 s,\nnot explained by one step or a plateau; fewer or shorter is inconclusive. spec/JSON.md says how the verdict is reached.'),
      (a) => run(async () => (await import('./diff.js')).trend(a)),
    )
    .command(
      'redact <archive>',
      'a copy to share: names become keyed pseudonyms, raw memory is dropped, numbers stay',
      (y) =>
        y
          .positional('archive', { type: 'string', description: 'a .pssnap archive', demandOption: true })
          .options({
            output: { type: 'string', alias: 'o', description: 'the redacted archive to write (atomically, mode 0600)', demandOption: true, requiresArg: true },
            force: { type: 'boolean', description: 'replace an existing output or map file' },
            key: { type: 'string', description: 'key of the pseudonyms: the same key gives the same pseudonyms, so redacted archives still diff (default: random)', requiresArg: true },
            'key-file': { type: 'string', description: 'read the key from a file (keeps it out of shell history)', requiresArg: true },
            map: { type: 'string', description: 'also write pseudonym → original as JSON (it undoes the redaction: keep it private)', requiresArg: true },
            'keep-contexts': { type: 'boolean', description: 'keep thread contexts (registers)' },
            'keep-pages': { type: 'boolean', alias: 'keep-memory', description: 'keep memory contents: auxiliary pages and memory read with capture --memory (raw process memory)' },
            'redact-modules': { type: 'boolean', description: 'replace module base names (ntdll.dll, libc.so.6) too' },
          })
          .conflicts('key', 'key-file')
          .example('$0 redact app.pssnap -o app-shared.pssnap --key-file ~/.pssnap-key', 'machine, user, object and file names replaced; contexts dropped')
          .example('$0 redact before.pssnap -o b.pssnap --key K && $0 redact after.pssnap -o a.pssnap --key K', 'one key for both: the redacted pair diffs like the original')
          .epilogue('Keeps types, counts, sizes, addresses, protections, times and module base names; paths keep their\nseparators, depth, drive or root, public folder names and extension. What each field becomes: spec/REDACTION.md.'),
      (a) => run(async () => (await import('./redact.js')).redact(a)),
    )
    .command(
      'report <archives..>',
      'one self-contained HTML file: the viewer with the archives embedded, to attach to a bug report',
      (y) =>
        y
          .positional('archives', { type: 'string', array: true, description: 'archives: one, two to compare, or a series for a trend', demandOption: true })
          .options({
            output: { type: 'string', alias: 'o', description: 'the HTML file to write (atomically, mode 0600)', demandOption: true, requiresArg: true },
            force: { type: 'boolean', description: 'replace an existing output file (never a device, FIFO, directory or an input)' },
          })
          .example('$0 report app.pssnap -o report.html', 'overview, address space, handles and threads; opens offline by double-click')
          .example('$0 report before.pssnap after.pssnap -o diff.html', 'the two archives and their diff')
          .epilogue('The page runs under a strict Content-Security-Policy (its own script and style by hash, no network) and shows every\nstring from the archives as text.'),
      (a) => run(async () => (await import('./report.js')).report(a)),
    )
    .command(
      'view <archives..>',
      'serve the viewer on 127.0.0.1 and open a browser (Ctrl-C stops)',
      (y) =>
        y
          .positional('archives', { type: 'string', array: true, description: 'archives: one, two to compare, or a series for a trend', demandOption: true })
          .options({ open: { type: 'boolean', default: true, description: 'open a browser (--no-open: only print the URL)' } })
          .example('$0 view snap-*.pssnap', 'the series with its trend, in the default browser')
          .epilogue('Listens on 127.0.0.1 on a random port; the URL carries a random token, so other local users cannot read the archives.'),
      (a) => run(async () => (await import('./view.js')).view(a)),
    )
    .command(
      'sql <query> <archives..>',
      'SQL over many archives (DuckDB): tables snapshots, handles, threads, regions, aux, modules, capture_errors',
      (y) =>
        y
          .positional('query', { type: 'string', description: 'one SQL query (DuckDB dialect); tables and columns: spec/SQL.md', demandOption: true })
          .positional('archives', { type: 'string', array: true, description: 'archives, folders (every .pssnap below) or quoted globs', demandOption: true })
          .options({
            json: { type: 'boolean', description: 'JSON document (schema pssnap.sql/1)' },
            csv: { type: 'boolean', description: 'CSV (RFC 4180) with a header row' },
            save: { type: 'string', description: 'also keep the loaded database (every table) in this DuckDB file (atomically, mode 0600)', requiresArg: true },
            force: { type: 'boolean', description: 'replace an existing --save file (never a device, FIFO, directory or an input)' },
            'memory-limit': { type: 'string', description: "DuckDB's memory_limit for loading and the query (default 4GB)", requiresArg: true },
            ...CSV_RAW_OPTION,
          })
          .conflicts('json', 'csv')
          .example(`$0 sql "SELECT typeName, count(*) AS n FROM handles GROUP BY ALL ORDER BY n DESC LIMIT 10" snap-*.pssnap`, 'top handle types across archives (folders: every .pssnap below)')
          .example(`$0 sql "SELECT path, machineName, imagePath FROM snapshots WHERE NOT complete" snap-*.pssnap`, 'which archives are damaged')
          .example(`$0 sql "SELECT * FROM modules WHERE path ILIKE '%ntdll%'" snap-*.pssnap --save fleet.duckdb`, 'which snapshots load ntdll, keeping every table for later queries')
          .epilogue('Only the tables a query names are loaded. The query cannot read or write files, load extensions or change settings;\nDuckDB runs with 2 threads and --memory-limit. Damaged archives load with their damage in snapshots (complete, damage).'),
      (a) => run(async () => (await import('./sql.js')).sql(a)),
    )
    .command(
      'capture [target..]',
      'capture a process into an archive (Windows: Process Snapshotting API; Linux: /proc)',
      (y) =>
        y
          .positional('target', { type: 'string', array: true, description: 'process id or name (a name must match one process unless --all; Windows: image name, any case, .exe optional); several: one archive each, sharing a capture set' })
          .options({
            self: { type: 'boolean', description: 'capture this pssnap process itself' },
            output: { type: 'string', alias: 'o', description: 'archive to write (default <image>_<pid>_<YYYYMMDD_HHMMSS>.pssnap; atomically, mode 0600)', requiresArg: true },
            force: { type: 'boolean', description: 'replace an existing archive file' },
            preset: { type: 'string', description: 'what to capture. Windows: default (no VA clone), full (+ VA clone), handles, threads, memory; Linux: default, full (+ region sizes from smaps), handles, threads, regions, memory (regions with sizes), minimal', requiresArg: true },
            flags: { type: 'string', description: 'Windows: raw PSS_CAPTURE_FLAGS instead of a preset, a number or names (CAPTURE_HANDLES|CAPTURE_THREADS)', requiresArg: true },
            'debug-privilege': { type: 'boolean', description: 'Windows: enable SeDebugPrivilege first (other users\' processes; needs an elevated prompt)' },
            'context-flags': { type: 'string', description: 'Windows: CONTEXT_* flags for thread contexts, a number or names (ALL|XSTATE); default ALL, plus XSTATE with CAPTURE_THREAD_CONTEXT_EXTENDED', requiresArg: true },
            timeout: { type: 'number', description: 'Windows: seconds to wait for one PSS call (the capture, a walk step) before giving up (default 60)', requiresArg: true },
            registers: { type: 'boolean', description: 'Linux: every thread\'s registers (holds the threads with ptrace for a moment; needs koffi)' },
            freeze: { type: 'boolean', description: 'Linux: hold every thread (ptrace) for the whole capture, so fds, threads and regions are of one instant; the hold time is recorded (needs koffi)' },
            memory: { type: 'string', array: true, description: "memory contents: 'stacks' (each thread's stack; Linux: implies --registers) or <address>:<size>; repeatable. Linux: read while the threads are held; Windows: from a VA clone (added to the flags)", requiresArg: true },
            'stack-limit': { type: 'number', description: 'bytes of each thread\'s stack with --memory stacks (default 1048576)', requiresArg: true },
            all: { type: 'boolean', description: 'every process matching the name, one archive each (into the directory -o)' },
            tree: { type: 'boolean', description: 'the process and all its descendants, one archive each (into the directory -o)' },
          })
          .check((a) => (a.self === true) !== (Array.isArray(a.target) ? a.target.length > 0 : a.target !== undefined) || 'give a process id or name, or --self (one of them)')
          .example('$0 capture 4242 -o app.pssnap', 'snapshot process 4242')
          .example('$0 capture nginx --preset handles', 'the open descriptors of the one process named nginx')
          .example('$0 capture --self -o self.pssnap', 'snapshot pssnap itself')
          .example('$0 capture notepad --preset full --debug-privilege', 'Windows: the one notepad.exe, with a VA clone')
          .example('$0 capture 4242 --tree -o snaps', 'process 4242 and its descendants, one archive each in snaps/, sharing a capture set')
          .example('$0 capture nginx --registers --memory stacks -o hung.pssnap', 'Linux: registers and stacks, for pssnap export --format minidump and a debugger')
          .example('$0 capture nginx --freeze', 'Linux: every thread held for the capture, so fds, threads and regions are of one instant'),
      (a) => run(async () => (await import('./capture.js')).capture(a)),
    )
    .command(
      'watch [target]',
      'capture a process repeatedly into a directory: every --interval and/or when --when holds (like ProcDump)',
      (y) =>
        y
          .positional('target', { type: 'string', description: 'process id or name (with --wait: a name to wait for and follow across restarts)' })
          .options({
            self: { type: 'boolean', description: 'watch this pssnap process itself' },
            output: { type: 'string', alias: 'o', description: 'directory for the archives (created if missing; default .), named <image>_<pid>_<YYYYMMDD_HHMMSS_mmm>.pssnap', requiresArg: true },
            interval: { type: 'string', description: 'capture every this long (500ms, 10s, 5m; a number is seconds); with --when: the least time between two captures (default 10s)', requiresArg: true },
            when: { type: 'string', description: 'capture when this holds, in the --where language over handleCount (Linux: fds), threadCount, rss, privateBytes, cpuPercent and handleGrowth, threadGrowth, rssGrowth, privateGrowth (since watching began)', requiresArg: true },
            poll: { type: 'string', description: 'how often --when is checked (default 1s); a poll reads only what the condition names', requiresArg: true },
            'cpu-window': { type: 'string', description: 'cpuPercent is measured over this window (default 5s)', requiresArg: true },
            count: { type: 'number', alias: 'n', description: 'stop after N captures', requiresArg: true },
            keep: { type: 'number', description: 'keep only the newest N archives this watch wrote (older ones removed)', requiresArg: true },
            until: { type: 'string', description: 'stop after a duration (10m) or at a time (23:00, 2026-12-02T23:00Z)', requiresArg: true },
            wait: { type: 'boolean', description: 'wait for a process of that name to start, and after it exits wait for the next one' },
            preset: { type: 'string', description: 'what each capture holds, as for capture', requiresArg: true },
            timeout: { type: 'number', description: 'Windows: seconds to wait for one PSS call (default 60)', requiresArg: true },
          })
          .check((a) => (a.self === true) !== (a.target !== undefined) || 'give a process id or name, or --self (one of them)')
          .check((a) => a.interval !== undefined || a.when !== undefined || 'give --interval, --when, or both')
          .example('$0 watch 4242 --interval 1m --keep 10 -o snaps', 'one capture a minute, the newest 10 kept; then: pssnap trend snaps')
          .example("$0 watch nginx --when 'handleCount > 1000' --count 3", 'three captures of nginx while it holds more than 1000 fds, 10 s apart at least')
          .example("$0 watch app --wait --when 'cpuPercent > 90 or privateGrowth > 500MB' --until 8h", 'wait for app to start, follow it across restarts')
          .epilogue('Ctrl-C stops the watch: a capture in progress is discarded, never left partial. On a terminal a status line shows the counters.'),
      (a) => run(async () => (await import('./watch.js')).watchCommand(a)),
    )
    .command(
      'ps',
      'list processes that can be captured: pid, handles (Linux: fds), threads, name',
      (y) =>
        y
          .options({
            where: { type: 'string', alias: 'w', description: 'keep processes matching an expression over processId, parentProcessId, name, imagePath, commandLine, threadCount, handleCount, state, kernelThread (the --where language of the list commands)', requiresArg: true },
            sort: { type: 'string', alias: 's', description: 'sort by fields: field[:desc],… (default processId)', requiresArg: true },
            json: { type: 'boolean', description: 'JSON: {schema: "pssnap.ps/1", processes: [{processId, parentProcessId, name, imagePath?, commandLine?, state?, kernelThread?, threadCount, handleCount?}]}' },
            ...WIDE_OPTION,
          })
          .example('$0 ps', 'pid, state, fd count, thread count, name and command line of every process')
          .example("$0 ps --where 'name = node' --sort threadCount:desc", 'the node processes, most threads first')
          .example("$0 ps --where 'kernelThread = false and handleCount > 100'", 'Linux: user processes with more than 100 fds')
          .example('$0 ps --json', 'the same for scripts')
          .epilogue('Linux: kernel threads are shown [in brackets] and cannot be captured; zombies are marked <defunct> (state Z).'),
      (a) => run(async () => (await import('./capture.js')).ps(a)),
    )
    .command(
      'selftest',
      'capture pssnap itself with every preset and check the result (a report to attach to an issue)',
      (y) => y.options({ json: { type: 'boolean', description: 'JSON document (schema pssnap.selftest/1)' } }).example('$0 selftest', 'exit 0 when every check passes, 1 when one fails'),
      (a) => run(async () => (await import('./selftest.js')).selftest(a)),
    )
    .example('$0 info capture.pssnap', 'summary of an archive')
    .example("$0 regions capture.pssnap --where 'protect ~ EXECUTE'", 'filter entries')
    .example('$0 validate capture.pssnap', 'check integrity')
    .demandCommand(1, 'Choose a command.')
    .recommendCommands()
    .strict()
    .wrap(null)
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err, y) => {
      // Command handlers only record what to run, so everything that reaches here is about the arguments.
      let help = ''
      y.showHelp((s: string) => (help = s))
      const message = msg ?? err?.message ?? 'invalid arguments'
      throw new UsageError(message, usageLines({ argv, commands: COMMANDS, message, help }))
    })

  try {
    const args = await parser.parseAsync()
    verbose = Boolean(args.verbose)
    colorWanted = args.color as boolean | undefined
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.lines.join('\n')}\n`)
      return 2
    }
    return report(error, verbose, colorWanted)
  }
  if (!action) return 0 // --help, --version
  try {
    return (await action()) ?? 0
  } catch (error) {
    return report(error, verbose, colorWanted)
  }
}

/** The one place failures are printed: `CODE - message`, the stack only with --verbose. */
function report(error: unknown, verbose: boolean, color: boolean | undefined): number {
  const e = error instanceof Error ? error : new Error(String(error))
  const raw = (e as { code?: unknown }).code
  const code = typeof raw === 'string' && /^[A-Z][A-Z0-9_]*$/.test(raw) ? raw : 'INTERNAL'
  const head = styleFor(process.stderr, color).red(code)
  let message = e.message
  const errno = e as NodeJS.ErrnoException
  if (errno.syscall && typeof errno.path === 'string') {
    // `ENOENT: no such file or directory, open 'x'` → `cannot read 'x': no such file or directory`
    const what = /^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] ?? e.message
    message = `cannot ${/write|rename|mkdir|unlink|open.*w/.test(errno.syscall) ? 'write' : 'read'} '${errno.path}': ${what}`
  }
  if (e.name === 'QueryError') {
    // Point at the column under the query.
    const q = e as Error & { query: string; column: number }
    if (q.query) message += `\n  ${q.query}\n  ${' '.repeat(Math.max(0, q.column - 1))}^`
  }
  // Messages quote archive strings (a QueryError's value, an unknown name): one line, escaped and cut.
  process.stderr.write(`${head} - ${message.split('\n').map((line) => safeText(line)).join('\n')}\n`)
  if (verbose) process.stderr.write(`${sourceMappedStack(e.stack ?? '').split('\n').map((line) => safeText(line, { max: 4096 })).join('\n')}\n`)
  else if (code === 'INTERNAL') process.stderr.write('(this is a bug in pssnap; run again with --verbose for the stack trace)\n')
  // An InterruptedError (cli/interrupt.ts) carries 130 / 143.
  const exitCode = (e as { exitCode?: unknown }).exitCode
  return typeof exitCode === 'number' ? exitCode : 1
}

// Quiet exit when the reader of a pipe goes away (`pssnap handles x | head`).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

// Not a top-level await: the one-file executables (scripts/build-exe.mjs) bundle this file as CommonJS.
void main(hideBin(process.argv)).then((code) => {
  process.exitCode = code
})
