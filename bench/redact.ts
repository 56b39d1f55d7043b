// `npm run bench -- redact`: redaction's speed, the figure to compare when its HMAC changes (issue 18 §11).
// (1) redact spec/fixtures/medium.pssnap (8,000 handles, 2,500 threads) in memory, median of warm runs;
// (2) pseudonyms of 100,000 distinct names (one HMAC-SHA-256 each), median of warm runs.
import { readFileSync } from 'node:fs'
import { MemorySink } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks } from '../reader/node.js'
import { PseudonymMaker } from '../reader/redact/pseudonyms.js'
import { redactArchive } from '../reader/redact/redact.js'
import { median } from './measure.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 9)
const key = new TextEncoder().encode('bench key')
const archive = await decodeArchive(readFileSync('spec/fixtures/medium.pssnap'), { hooks: nodeHooks })

let names = 0
await redactArchive(archive, new MemorySink(), { key }) // warm-up: the JIT has seen every path
const redact = await median(RUNS, async () => {
  names = (await redactArchive(archive, new MemorySink(), { key })).summary.names
})

const distinct = Array.from({ length: 100_000 }, (_, i) => `C:\\Users\\someone\\AppData\\Local\\Temp\\file-${i}.tmp`)
const pseudonyms = await median(RUNS, () => {
  const maker = new PseudonymMaker(key)
  for (const n of distinct) maker.hex('name', n)
})

console.log(`pssnap bench redact — Node ${process.version}, median of ${RUNS} warm runs`)
console.log(`redact spec/fixtures/medium.pssnap in memory (${names} names): ${redact.toFixed(1)} ms`)
console.log(`pseudonyms of 100,000 distinct names: ${pseudonyms.toFixed(1)} ms (${((pseudonyms * 1000) / distinct.length).toFixed(2)} µs per name)`)
