// `npm run bench -- minidump` (issue 15): a minidump of the 1M-entry archive (300k handles, 600k regions,
// 100k threads, half with x64 contexts) against opening it and visiting every entry, both measured in one fresh
// process (as `pssnap export` runs: the generator's heap would slow every allocation here), median of warm runs.
// Target: export ≤ 1× open-and-visit.
import { execFileSync } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ArchiveWriter, MemorySink, SECTION_NAMES } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks } from '../reader/node.js'
import { writeMinidump } from '../minidump/index.js'
import { generateSnapshot } from '../test/synthetic/generate.js'
import { median, ratioLine } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const file = 'bench/out/1m-minidump.pssnap'

if (process.argv[2] === '--measure') {
  const bytes = readFileSync(file)
  const open = () => decodeArchive(bytes, { hooks: nodeHooks })
  // Warm both paths once (the JIT has seen the decoder and the writer).
  let size = writeMinidump(await open()).length
  const visit = await median(RUNS, async () => {
    const a = await open()
    let n = 0
    for (const name of SECTION_NAMES) a.section(name)!.forEach(() => void n++)
    if (n !== 1_000_000) throw new Error(`visited ${n} entries`)
  })
  const exported = await median(RUNS, async () => {
    // As `pssnap export` does: the file's pieces, written one after another (the context blobs are the
    // archive's own bytes, not copied into one array first; writing the file is left out of both sides).
    const { parts, length, summary } = writeMinidump(await open())
    if (summary.threads !== 100_000 || summary.regions !== 600_000 || summary.handles !== 300_000) throw new Error(`minidump summary ${JSON.stringify(summary)}`)
    if (parts.reduce((n, p) => n + p.length, 0) !== length) throw new Error('minidump parts do not add up to its length')
    size = length
  })
  process.stdout.write(JSON.stringify({ visit, exported, size }) + '\n')
} else {
  mkdirSync('bench/out', { recursive: true })
  const snapshot = generateSnapshot({ seed: 1, handles: 300_000, regions: 600_000, threads: 100_000, contextRatio: 0.5 })
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, { hooks: nodeHooks })
  await w.begin(snapshot.header)
  for (const name of SECTION_NAMES) {
    const list = snapshot.sections[name] as object[]
    w.declareSection(name)
    for (let i = 0; i < list.length; i++) {
      const p = w.add(name, list[i] as never)
      if (p) await p
    }
  }
  await w.finish(snapshot.epilogue)
  writeFileSync(file, sink.bytes())
  const fd = openSync(file, 'r+')
  fsyncSync(fd)
  closeSync(fd)
  console.log(`pssnap bench minidump — Node ${process.version}, ${file} (${(sink.bytes().length / 1e6).toFixed(1)} MB), median of ${RUNS} warm runs in a fresh process`)
  const r = JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--measure'], { encoding: 'utf8', env: process.env })) as { visit: number; exported: number; size: number }
  console.log(`minidump: ${(r.size / 1e6).toFixed(1)} MB`)
  console.log(ratioLine({ id: 'minidump', what: 'open + write the minidump vs open + visit every entry (fresh process)', ours: r.exported, baseline: r.visit, unit: 'ms', target: 1 }))
}
