// The archive benchmark (issue 3 §9): 1M synthetic entries, every ratio measured against a baseline taken
// in this same run on this machine, printed next to its target. Run with `npm run bench`.
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { Packr } from 'msgpackr'
import { ArchiveWriter, MemorySink, SECTION_NAMES, type WriterOptions } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks, writeArchiveFile } from '../reader/node.js'
import { trendArchives } from '../reader/trend.js'
import { generateSnapshot, type Snapshot } from '../test/synthetic/generate.js'
import { gc, median, ratioLine, type Result } from './measure.js'

const OUT = 'bench/out'
/**
 * `npm run bench -- diff|open|stream|write`: only that benchmark (to repeat it and see its noise): diff, (a) open,
 * (e) streaming memory, (c) write.
 */
const only = process.argv[2]
if (only !== undefined && !['diff', 'open', 'stream', 'write'].includes(only)) throw new Error(`unknown benchmark '${only}' (known: diff, open, stream, write)`)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const scale = Number(process.env.BENCH_SCALE ?? 1)
mkdirSync(OUT, { recursive: true })

const counts = { handles: 300_000 * scale, regions: 600_000 * scale, threads: 100_000 * scale }
console.log(`pssnap bench — Node ${process.version}, ${counts.handles + counts.regions + counts.threads} entries (${counts.handles} handles, ${counts.regions} regions, ${counts.threads} threads, half with 1232-byte x64 contexts), median of ${RUNS} warm runs`)

let t = performance.now()
const snapshot: Snapshot = generateSnapshot({ seed: 1, handles: counts.handles, regions: counts.regions, threads: counts.threads, contextRatio: 0.5 })
console.log(`generated in ${(performance.now() - t).toFixed(0)} ms`)
const rows = { handles: snapshot.sections.handles, threads: snapshot.sections.threads, vaSpace: snapshot.sections.vaSpace }

async function writeOurs(options: WriterOptions = {}, from: Snapshot = snapshot): Promise<Uint8Array> {
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, { hooks: nodeHooks, ...options })
  await w.begin(from.header)
  for (const name of SECTION_NAMES) {
    const list = from.sections[name] as object[]
    w.declareSection(name)
    for (let i = 0; i < list.length; i++) {
      const p = w.add(name, list[i] as never)
      if (p) await p
    }
  }
  await w.finish(from.epilogue)
  return sink.bytes()
}

/** A later snapshot of the same process: the first `drop` handles closed, `add` new ones opened. */
function later(base: Snapshot, drop: number, add: number, seed: number): Snapshot {
  const fresh = generateSnapshot({ seed, handles: add, regions: 0, threads: 0 }).sections.handles
  const top = base.sections.handles.reduce((m, h) => (h.handle! > m ? h.handle! : m), 0n)
  const opened = fresh.map((h, i) => ({ ...h, handle: top + BigInt((i + 1) * 4) }))
  return { ...base, sections: { ...base.sections, handles: [...base.sections.handles.slice(drop), ...opened] } }
}

const results: Result[] = []
const extra: string[] = []

// Diff (issue 5): diffing two 1M-entry snapshots vs opening both and visiting every entry, in a fresh
// process as `pssnap diff` runs (this one's heap of generated rows slows every allocation).
async function benchDiff(before: string): Promise<Result> {
  const afterFile = `${OUT}/1m-later.pssnap`
  writeFileSync(afterFile, await writeOurs({}, later(snapshot, 2000, 5000, 9)))
  const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', 'dist-bench/diff-files.js', before, afterFile, String(RUNS), '5000'], { encoding: 'utf8' })) as { visitAll: number; diffing: number }
  return { id: 'diff', what: 'open both + diff two 1M-entry snapshots vs open both + visit every entry (fresh process)', ours: r.diffing, baseline: r.visitAll, unit: 'ms', target: 0.6 }
}

// (a) open + verify every checksum + validate (ready to query) vs reading the file's bytes, in a fresh
// process: this one holds the 1M generated rows, whose heap makes every allocation here slower.
function benchOpen(file: string): Result {
  // The file was just written: flush it first, so the kernel's writeback of ~100 MB of dirty pages does not
  // run during the measurement (a file being opened is normally at rest). Both sides then read the page cache.
  const fd = openSync(file, 'r+')
  fsyncSync(fd)
  closeSync(fd)
  const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', 'dist-bench/open-file.js', file, String(RUNS), String(counts.handles)], { encoding: 'utf8' })) as { floor: number; open: number }
  return { id: 'a', what: 'open + verify checksums + validate vs fs.readFileSync (fresh process)', ours: r.open, baseline: r.floor, unit: 'ms', target: 1.3 }
}

// (e) streaming count: the working set must not grow with the file. Peak RSS of a process that only streams
// and counts a 4M-entry archive minus that of the 1M-entry one (the same rows written four times, through a
// file so that this process never holds the 430 MB).
async function benchStream(file: string): Promise<Result> {
  const file4 = `${OUT}/4m.pssnap`
  await writeArchiveFile(
    file4,
    snapshot.header,
    async (w) => {
      for (const name of SECTION_NAMES) {
        const list = snapshot.sections[name] as object[]
        w.declareSection(name)
        for (let copy = 0; copy < 4; copy++) for (let i = 0; i < list.length; i++) {
          const p = w.add(name, list[i] as never)
          if (p) await p
        }
      }
    },
    snapshot.epilogue,
  )
  const count = (f: string) => JSON.parse(execFileSync(process.execPath, ['dist-bench/stream-count.js', f], { encoding: 'utf8' })) as { entries: number; maxRssBytes: number }
  const one = count(file)
  const four = count(file4)
  if (four.entries !== 4 * one.entries) throw new Error(`streamed ${four.entries} entries, expected ${4 * one.entries}`)
  extra.push(`streaming count peak RSS: ${(one.maxRssBytes / 1e6).toFixed(1)} MB at ${one.entries} entries (${(statSync(file).size / 1e6).toFixed(0)} MB), ${(four.maxRssBytes / 1e6).toFixed(1)} MB at ${four.entries} (${(statSync(file4).size / 1e6).toFixed(0)} MB)`)
  rmSync(file4, { force: true })
  // Reported as "growth vs an allowance of 10 MB": the ratio line reads growth / 10 MB against a target of 1.
  return { id: 'e', what: 'streaming count: peak RSS growth from 1M to 4M entries vs an allowance of 10 MB', ours: Math.max(0, four.maxRssBytes - one.maxRssBytes) / 1e6, baseline: 10, unit: 'MB', target: 1 }
}

// (c) write, checksums included, vs msgpackr records encoding of the same rows.
const recordsPackr = new Packr({ useRecords: true })
async function benchWrite(): Promise<Result> {
  const baselineWrite = await median(RUNS, () => recordsPackr.pack(rows))
  const oursWrite = await median(RUNS, () => writeOurs())
  return { id: 'c', what: 'write (encode + CRC) vs msgpackr useRecords pack', ours: oursWrite, baseline: baselineWrite, unit: 'ms', target: 0.5 }
}

if (only === 'write') {
  const r = await benchWrite()
  console.log(`\n${ratioLine(r)}`)
  process.exit(r.ours / r.baseline > r.target ? 1 : 0)
}

if (only !== undefined) {
  const file = `${OUT}/1m.pssnap`
  writeFileSync(file, await writeOurs())
  const r = only === 'diff' ? await benchDiff(file) : only === 'open' ? benchOpen(file) : await benchStream(file)
  console.log(`\n${ratioLine(r)}`)
  for (const line of extra) console.log(line)
  process.exit(r.ours / r.baseline > r.target ? 1 : 0)
}

results.push(await benchWrite())

// (d) sizes vs msgpackr plain row maps.
const plainSize = new Packr({ useRecords: false }).pack(rows).length
const recordsBytes = recordsPackr.pack(rows)
const recordsSize = recordsBytes.length
const ours = await writeOurs()
gc()
t = performance.now()
const oursDeflate = await writeOurs({ compression: 'deflate' })
const deflateWriteMs = performance.now() - t
results.push({ id: 'd', what: 'archive size vs msgpackr plain row maps', ours: ours.length / 1e6, baseline: plainSize / 1e6, unit: 'MB', target: 0.45 })
results.push({ id: 'd', what: 'compressed (deflate-1) archive size vs msgpackr plain row maps', ours: oursDeflate.length / 1e6, baseline: plainSize / 1e6, unit: 'MB', target: 0.12 })
extra.push(`sizes: ours ${(ours.length / 1e6).toFixed(1)} MB, ours deflate ${(oursDeflate.length / 1e6).toFixed(1)} MB (written in ${deflateWriteMs.toFixed(0)} ms), msgpackr records ${(recordsSize / 1e6).toFixed(1)} MB, msgpackr maps ${(plainSize / 1e6).toFixed(1)} MB`)

const file = `${OUT}/1m.pssnap`
const fileDeflate = `${OUT}/1m-deflate.pssnap`
writeFileSync(file, ours)
writeFileSync(fileDeflate, oursDeflate)

const plain = benchOpen(file)
results.push(plain)
const deflated = benchOpen(fileDeflate)
extra.push(`open of the deflate archive: ${deflated.ours.toFixed(0)} ms (${(deflated.ours / plain.baseline).toFixed(2)}× the uncompressed read floor)`)

// (b) open and visit every entry as a typed object vs msgpackr's fastest row decoding of the same rows.
const recordsUnpackr = new Packr({ useRecords: true })
const baselineDecode = await median(RUNS, () => recordsUnpackr.unpack(recordsBytes))
let visited = 0
const visit = await median(RUNS, async () => {
  const a = await decodeArchive(ours, { hooks: nodeHooks })
  visited = 0
  a.handles.forEach((e) => void (visited += e.handleCount === undefined ? 0 : 1))
  a.threads.forEach((e) => void (visited += e.threadId === undefined ? 0 : 1))
  a.vaSpace.forEach((e) => void (visited += e.regionSize === undefined ? 0 : 1))
})
if (visited !== counts.handles + counts.threads + counts.regions) throw new Error(`visited ${visited}`)
results.push({ id: 'b', what: 'open + visit every entry as a typed object vs msgpackr useRecords unpack', ours: visit, baseline: baselineDecode, unit: 'ms', target: 0.6 })

results.push(await benchDiff(file))

// Trend (issue 5): 20 snapshots of 100k entries, trend vs loading them.
{
  const base = generateSnapshot({ seed: 5, handles: 30_000 * scale, regions: 60_000 * scale, threads: 10_000 * scale, contextRatio: 0.5 })
  const series: Uint8Array[] = []
  // A minute apart: the leak verdict needs at least 5 snapshots over 30 s (spec/JSON.md).
  const minute = (s: Snapshot, i: number): Snapshot => ({ ...s, header: { ...s.header, capture: { ...s.header.capture, startedAt: new Date(Date.parse(s.header.capture.startedAt) + i * 60_000).toISOString() } } })
  for (let i = 0; i < 20; i++) series.push(await writeOurs({}, minute(later(base, 0, 50 * i, 100 + i), i)))
  const load = () => Promise.all(series.map((bytes) => decodeArchive(bytes, { hooks: nodeHooks })))
  const loading = await median(RUNS, load)
  let verdict = ''
  const trending = await median(RUNS, async () => {
    verdict = trendArchives(await load()).verdict.verdict
  })
  if (verdict !== 'leak') throw new Error(`trend verdict ${verdict}, expected leak`)
  results.push({ id: 'trend', what: 'load + trend over 20 snapshots of 100k entries vs loading them', ours: trending, baseline: loading, unit: 'ms', target: Number.POSITIVE_INFINITY })
}

results.push(await benchStream(file))

// (f) `pssnap info` on a small archive, cold, vs `node -e 0`.
const small = `${OUT}/small.pssnap`
{
  const tiny = generateSnapshot({ seed: 2, handles: 40, regions: 60, threads: 8 })
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, { hooks: nodeHooks })
  await w.begin(tiny.header)
  for (const name of SECTION_NAMES) for (const e of tiny.sections[name] as object[]) w.add(name, e as never)
  await w.finish(tiny.epilogue)
  writeFileSync(small, sink.bytes())
}
const coldRuns = Math.max(RUNS, 9)
const wall = (args: string[]) => {
  const times: number[] = []
  for (let i = 0; i < coldRuns; i++) {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' })
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`)
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}
const nodeCold = wall(['-e', '0'])
const infoCold = wall(['dist/cli.js', 'info', small])
results.push({ id: 'f', what: '`pssnap info` on a small archive, cold, vs `node -e 0`', ours: infoCold, baseline: nodeCold, unit: 'ms', target: 2.5 })

console.log('')
for (const r of results) console.log(ratioLine(r))
console.log('')
for (const line of extra) console.log(line)
writeFileSync(`${OUT}/results.json`, JSON.stringify({ date: new Date().toISOString(), node: process.version, counts, results, extra }, null, 2))
const missed = results.filter((r) => r.ours / r.baseline > r.target)
console.log(missed.length === 0 ? '\nall targets met' : `\n${missed.length} target(s) missed: ${missed.map((r) => r.id).join(', ')}`)
