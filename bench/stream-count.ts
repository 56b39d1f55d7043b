// Child process of bench (e): counts every entry of an archive file through the streaming decoder and
// prints its peak RSS, so the measurement holds nothing but the stream.
import { readFileSync } from 'node:fs'
import { decodeArchiveEvents } from '../format/index.js'
import { archiveFileStream, nodeHooks } from '../reader/node.js'

const path = process.argv[2]!
let entries = 0
for await (const e of decodeArchiveEvents(archiveFileStream(path, 256 * 1024), { hooks: nodeHooks, transient: true })) {
  if (e.type === 'chunk') entries += e.chunk.count
}
process.stdout.write(JSON.stringify({ entries, maxRssBytes: peakRss() }) + '\n')

/**
 * Peak RSS of this process's own address space. Not resourceUsage().maxRSS: Linux carries the parent's
 * peak across fork and exec into it, so a child of the (large) benchmark process would report that.
 */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024
}
