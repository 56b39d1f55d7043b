// Issue 16's capture benchmark: a target holding 10k fds of which 2k are sockets (unix socketpairs, TCP
// connections over loopback, UDP over IPv4 and IPv6), captured to an archive at lsof depth (net tables
// joined, fdinfo details, linuxProcess), against a baseline measured in the same run that reads the same
// /proc files, net tables included, the cheapest way (one reused buffer, a stat only where the capture makes
// one), without parsing them or building an archive. Target: ≤ 1.5×.
// `npm run bench -- linux-fds` (Linux, python3).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { NET_TABLES } from '../capture/linux/net-tables.js'
import { runProcCaptureBench } from './proc-capture.js'

// 400 socketpairs (800), 1 listener + 300 TCP connections (600), 300 UDP/IPv4 + 300 UDP/IPv6: 2,001 sockets;
// then /dev/null up to 10,000 fds.
const TARGET = `
import os, resource, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
keep = []
for _ in range(400): keep.extend(socket.socketpair())
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(512); keep.append(srv)
for _ in range(300):
    c = socket.create_connection(srv.getsockname()); a, _ = srv.accept(); keep += [c, a]
for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    for _ in range(300):
        u = socket.socket(fam, socket.SOCK_DGRAM); u.bind((host, 0)); keep.append(u)
files = [os.open('/dev/null', os.O_RDONLY) for _ in range(10000 - len(os.listdir('/proc/self/fd')) + 1)]
print('ready', flush=True)
sys.stdin.read()
`

await runProcCaptureBench({
  name: 'linux-fds bench',
  self: fileURLToPath(import.meta.url),
  target: TARGET,
  describe: (pid) => {
    const links = readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`))
    const sockets = links.filter((l) => l.startsWith('socket:')).length
    let tableBytes = 0
    for (const t of NET_TABLES) {
      try {
        tableBytes += readFileSync(`/proc/${pid}/net/${t}`).length
      } catch {
        // no such protocol here
      }
    }
    return `${links.length} fds, ${sockets} sockets, net tables ${tableBytes} bytes`
  },
  timeWhat: 'capture at lsof depth vs reading the same /proc files (net tables included)',
  timeTarget: 1.5,
  rssTarget: Infinity,
})
