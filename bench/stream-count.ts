// Child process of bench (e): counts every entry of an archive file through the streaming decoder and
// prints its peak RSS, so the measurement holds nothing but the stream.
import { decodeArchiveEvents } from '../format/index.js'
import { archiveFileStream, nodeHooks } from '../reader/node.js'

const path = process.argv[2]!
let entries = 0
for await (const e of decodeArchiveEvents(archiveFileStream(path, 256 * 1024), { hooks: nodeHooks, transient: true })) {
  if (e.type === 'chunk') entries += e.chunk.count
}
process.stdout.write(JSON.stringify({ entries, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n')
