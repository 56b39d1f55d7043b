// Child process of bench (a): in a fresh process (as a user opening a file would be), the median time to
// read the file's bytes (fs.readFileSync, the floor) and to open it with every checksum verified and
// every frame validated, ready to query.
import { readFileSync } from 'node:fs'
import { openArchiveFile } from '../reader/node.js'
import { median } from './measure.js'

const [path, runsText, expected] = process.argv.slice(2) as [string, string, string]
const runs = Number(runsText)
// One untimed open first, so both sides are measured warm (the JIT has seen the decoder).
await openArchiveFile(path, { strict: true })
const floor = await median(runs, () => readFileSync(path))
const open = await median(runs, async () => {
  const a = await openArchiveFile(path, { strict: true })
  if (a.handles.length !== Number(expected)) throw new Error(`read ${a.handles.length} handles`)
})
process.stdout.write(JSON.stringify({ floor, open }) + '\n')
