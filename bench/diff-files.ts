// Child process of the diff benchmark: in a fresh process (as `pssnap diff` runs), the median time to
// open two archives and visit every entry (the baseline) and to open them and diff them.
import { readFileSync } from 'node:fs'
import { SECTION_NAMES } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { diffArchives } from '../reader/diff.js'
import { nodeHooks } from '../reader/node.js'
import { median } from './measure.js'

const [before, after, runsText, expectedAdded] = process.argv.slice(2) as [string, string, string, string]
const runs = Number(runsText)
const files = [readFileSync(before), readFileSync(after)]
const openBoth = () => Promise.all(files.map((bytes) => decodeArchive(bytes, { hooks: nodeHooks })))
const visitAll = await median(runs, async () => {
  let n = 0
  for (const a of await openBoth()) for (const name of SECTION_NAMES) a.section(name)!.forEach(() => void n++)
})
let added = 0
const diffing = await median(runs, async () => {
  const [a, b] = await openBoth()
  added = diffArchives(a!, b!).handles.added.length
})
if (added !== Number(expectedAdded)) throw new Error(`diff found ${added} added handles, expected ${expectedAdded}`)
process.stdout.write(JSON.stringify({ visitAll, diffing }) + '\n')
