// The Linux capture benchmark (issue 7 §6): a target with 10k open fds, 1k threads and 5k mappings,
// captured to an archive, against a baseline measured in the same run that reads the same /proc files
// without parsing them or building an archive. Time (median of warm runs) and peak RSS (each mode in a
// fresh process) are printed as ratios next to their target. Run with `npm run bench:capture` (Linux).
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runProcCaptureBench } from './proc-capture.js'

const FDS = 10_000
const THREADS = 1_000
const MAPPINGS = 5_000

// Python threads are real kernel threads at a fraction of a node worker's memory; alternating protections
// keep the kernel from merging neighbouring anonymous mappings into one.
const TARGET = `
import mmap, os, resource, sys, threading
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
fds = [os.open('/dev/null', os.O_RDONLY) for _ in range(${FDS})]
maps = [mmap.mmap(-1, 4096, prot=mmap.PROT_READ if i % 2 else mmap.PROT_READ | mmap.PROT_WRITE) for i in range(${MAPPINGS})]
stop = threading.Event()
threads = [threading.Thread(target=stop.wait, daemon=True) for _ in range(${THREADS})]
for t in threads: t.start()
print('ready', flush=True)
sys.stdin.read()
`

await runProcCaptureBench({
  name: 'capture bench',
  self: fileURLToPath(import.meta.url),
  target: TARGET,
  describe: (pid) =>
    `${readdirSync(`/proc/${pid}/fd`).length} fds, ${readdirSync(`/proc/${pid}/task`).length} threads, ${readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n').length - 1} mappings`,
  timeWhat: 'capture to a file vs reading the same /proc files',
  timeTarget: 1.5,
  rssTarget: 1.5,
})
