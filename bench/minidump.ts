// `npm run bench -- minidump` (issue 15): a minidump of the 1M-entry archive (300k handles, 600k regions,
// 100k threads, half with x64 contexts) against opening it and visiting every entry, both measured here in
// one fresh process, median of warm runs. Target: export ≤ 1× open-and-visit.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { ArchiveWriter, MemorySink, SECTION_NAMES } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks } from '../reader/node.js'
import { writeMinidump } from '../minidump/index.js'
import { generateSnapshot } from '../test/synthetic/generate.js'
import { median, ratioLine } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const OUT = 'bench/out'
mkdirSync(OUT, { recursive: true })
const file = `${OUT}/1m-minidump.pssnap`
{
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
}
const bytes = readFileSync(file)
console.log(`pssnap bench minidump — Node ${process.version}, ${file} (${(bytes.length / 1e6).toFixed(1)} MB), median of ${RUNS} warm runs`)

const open = () => decodeArchive(bytes, { hooks: nodeHooks })
// Warm both paths once (the JIT has seen the decoder and the writer).
let size = writeMinidump(await open()).bytes.length
const visit = await median(RUNS, async () => {
  const a = await open()
  let n = 0
  for (const name of SECTION_NAMES) a.section(name)!.forEach(() => void n++)
  if (n !== 1_000_000) throw new Error(`visited ${n} entries`)
})
const exported = await median(RUNS, async () => {
  const { bytes: dump, summary } = writeMinidump(await open())
  if (summary.threads !== 100_000 || summary.regions !== 600_000 || summary.handles !== 300_000) throw new Error(`minidump summary ${JSON.stringify(summary)}`)
  size = dump.length
})
console.log(`minidump: ${(size / 1e6).toFixed(1)} MB`)
console.log(ratioLine({ id: 'minidump', what: 'open + write the minidump vs open + visit every entry', ours: exported, baseline: visit, unit: 'ms', target: 1 }))
