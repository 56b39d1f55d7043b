// Issue 16's oracle: a C child (test/linux-lsof/child.c, built with gcc here) holds one of every kind of
// descriptor; pssnap captures it into an archive, and the archive is compared with what lsof (`-F` field
// output) and ss (sock_diag netlink, not the /proc tables pssnap reads) say about the same process: every
// fd lsof lists is in the archive with the same type, name, addresses and state, every socket ss lists has
// the same addresses and state, and ps and prlimit agree on the process's command line, user and limits.
// Needs gcc, lsof and ss (.ci/run installs them); PSSNAP_REQUIRE_LSOF=1 (or CI's PSSNAP_REQUIRE_WINE=1)
// turns a missing tool into a failure instead of a skip.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasTool } from './helpers/tools.js'
import { captureLinuxToFile } from '../capture/linux/capture.js'
import { MemorySink, type HandleEntry, type LinuxProcess, type VaSpaceEntry } from '../format/index.js'
import type { Archive } from '../reader/archive.js'
import { openArchive } from '../reader/index.js'
import { openArchiveFile } from '../reader/node.js'
import { ipPseudonym } from '../reader/redact/linux.js'
import { PseudonymMaker } from '../reader/redact/pseudonyms.js'
import { redactArchive } from '../reader/redact/redact.js'

const TOOLS = ['gcc', 'lsof', 'ss', 'ps', 'prlimit']
const has = hasTool
const missing = process.platform === 'linux' ? TOOLS.filter((t) => !has(t)) : TOOLS
const REQUIRED = process.env.PSSNAP_REQUIRE_LSOF === '1' || process.env.PSSNAP_REQUIRE_WINE === '1'
const skip = missing.length > 0 && !REQUIRED
if (skip) console.warn(`test/linux-lsof.test.ts skipped: ${missing.join(', ')} not found (set PSSNAP_REQUIRE_LSOF=1 to make this a failure)`)

const SOURCE = fileURLToPath(new URL('./linux-lsof/child.c', import.meta.url))

/** One lsof `-F` file record: f, t, n, i, P and the T subfields (TST, TQR, TQS). */
interface LsofFile {
  fd: string
  type: string
  name: string
  inode?: string
  protocol?: string
  tcp: Record<string, string>
}

/** `lsof -F` prints one field per line, each prefixed by its letter; a file starts at `f`. */
function parseLsof(text: string): LsofFile[] {
  const files: LsofFile[] = []
  let cur: LsofFile | undefined
  for (const line of text.split('\n')) {
    if (line === '') continue
    const key = line[0]
    const value = line.slice(1)
    if (key === 'f') files.push((cur = { fd: value, type: '', name: '', tcp: {} }))
    else if (!cur) continue
    else if (key === 't') cur.type = value
    else if (key === 'n') cur.name = value
    else if (key === 'i') cur.inode = value
    else if (key === 'P') cur.protocol = value
    else if (key === 'T') {
      const eq = value.indexOf('=')
      cur.tcp[value.slice(0, eq)] = value.slice(eq + 1)
    }
  }
  return files
}

interface SsSocket {
  netid: string
  state: string
  recvQ: number
  sendQ: number
  local: string
  peer: string
  fd: number
}

/** `ss -H -tuwxanp` lines of the child's sockets (users:(("child",pid=N,fd=M))). */
function parseSs(text: string, pid: number): SsSocket[] {
  const out: SsSocket[] = []
  for (const line of text.split('\n')) {
    const fd = new RegExp(`pid=${pid},fd=(\\d+)`).exec(line)
    if (!fd) continue
    const f = line.trim().split(/\s+/)
    out.push({ netid: f[0]!, state: f[1]!, recvQ: Number(f[2]), sendQ: Number(f[3]), local: f[4]!, peer: f[5]!, fd: Number(fd[1]) })
  }
  return out
}

/** A handle with its 1.2 groups (linux.socket, linux.inet, linux.file) flattened, for the comparisons below. */
type H = HandleEntry & { socketFamily?: string; socketProtocol?: string; socketState?: string; localAddress?: string; remoteAddress?: string; localPort?: number; remotePort?: number; sendQueue?: number; receiveQueue?: number; deleted?: number }
const flat = (h: HandleEntry): H => {
  const s = h.linux?.socket
  const i = h.linux?.inet
  return { ...h, socketFamily: s?.family, socketProtocol: s?.protocol, socketState: s?.state, localAddress: s?.localAddress, remoteAddress: s?.remoteAddress, localPort: i?.localPort, remotePort: i?.remotePort, sendQueue: i?.sendQueue, receiveQueue: i?.receiveQueue, deleted: h.linux?.file?.deleted }
}

const inetText = (address: string, port: number | undefined, six: boolean) => `${six ? `[${address}]` : address}:${port}`
/** What lsof prints as an inet socket's name: `local` or `local->remote`. */
function lsofInetName(h: H): string {
  const six = h.socketFamily === 'inet6'
  const local = inetText(h.localAddress!, h.localPort, six)
  return h.remoteAddress === undefined ? local : `${local}->${inetText(h.remoteAddress, h.remotePort, six)}`
}
/** lsof's TYPE column by pssnap's typeName (and family for sockets). */
function lsofType(h: H): string {
  if (h.typeName === 'Socket') return h.socketFamily === 'inet' ? 'IPv4' : h.socketFamily === 'inet6' ? 'IPv6' : h.socketFamily === 'unix' ? 'unix' : (h.socketFamily ?? 'sock')
  const byType: Record<string, string> = { File: 'REG', Memfd: 'REG', Directory: 'DIR', Pipe: 'FIFO', CharacterDevice: 'CHR', BlockDevice: 'BLK', EventFd: 'a_inode', TimerFd: 'a_inode', SignalFd: 'a_inode', Inotify: 'a_inode', Epoll: 'a_inode' }
  return byType[h.typeName ?? ''] ?? '?'
}
/** ss's state words in the kernel's terms (ss abbreviates; UNCONN is CLOSE for inet, UNCONNECTED for unix). */
function ssState(state: string, unix: boolean): string {
  const words: Record<string, string> = { ESTAB: unix ? 'CONNECTED' : 'ESTABLISHED', UNCONN: unix ? 'UNCONNECTED' : 'CLOSE', LISTEN: 'LISTEN', 'TIME-WAIT': 'TIME_WAIT', 'CLOSE-WAIT': 'CLOSE_WAIT', 'SYN-SENT': 'SYN_SENT', 'SYN-RECV': 'SYN_RECV', 'FIN-WAIT-1': 'FIN_WAIT1', 'FIN-WAIT-2': 'FIN_WAIT2', 'LAST-ACK': 'LAST_ACK', CLOSING: 'CLOSING' }
  return words[state] ?? state
}

function waitReady(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = ''
    child.stdout.on('data', (b: Buffer) => {
      seen += b.toString()
      const line = seen.split('\n').find((l) => l.startsWith('ready '))
      if (line) resolve(line)
    })
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready: ${seen}`)))
  })
}

describe.skipIf(skip)('a Linux capture against lsof and ss (issue 16)', () => {
  let dir: string
  let child: ChildProcessWithoutNullStreams
  let handles: H[]
  let regions: VaSpaceEntry[]
  let proc: LinuxProcess
  let minor: number
  let labelled: boolean
  let lsof: LsofFile[]
  let ss: SsSocket[]
  let archive: Archive

  beforeAll(async () => {
    if (missing.length) throw new Error(`PSSNAP_REQUIRE_LSOF=1 but ${missing.join(', ')} not found`)
    dir = await mkdtemp(join(tmpdir(), 'pssnap-lsof-'))
    const exe = join(dir, 'child')
    execFileSync('gcc', ['-O0', '-o', exe, SOURCE])
    await mkdir(join(dir, 'd'))
    child = spawn(exe, [join(dir, 'd'), 'second argument with spaces'], { cwd: dir }) as ChildProcessWithoutNullStreams
    const ready = await waitReady(child)
    labelled = ready.trim().endsWith(' 1')
    const path = join(dir, 'capture.pssnap')
    await captureLinuxToFile(child.pid!, path)
    // The oracles look at the same, unchanged process right after the capture.
    lsof = parseLsof(execFileSync('lsof', ['-w', '-n', '-P', '-p', String(child.pid), '-F', 'ftniPT'], { encoding: 'utf8' }))
    ss = parseSs(execFileSync('ss', ['-H', '-tuwxanp'], { encoding: 'utf8' }), child.pid!)
    const a = (archive = await openArchiveFile(path, { strict: true }))
    minor = a.version.minor
    handles = a.handles.toArray().map(flat)
    regions = a.vaSpace.toArray()
    proc = a.header.linuxProcess!
  }, 60_000)

  afterAll(async () => {
    child?.stdin.end()
    child?.kill()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('holds every fd lsof lists, with the same type, name, addresses and TCP state and queues', () => {
    expect(minor).toBe(3) // 1.2's lsof depth, and 1.3's whole maps line (spec/LINUX.md §11)
    const byFd = new Map(handles.map((h) => [String(h.handle), h]))
    const fds = lsof.filter((f) => /^\d+$/.test(f.fd))
    const counts: Record<string, number> = {}
    for (const f of fds) {
      const h = byFd.get(f.fd)
      expect(h, `fd ${f.fd} (${f.type} ${f.name}) is in the archive`).toBeDefined()
      expect(lsofType(h!), `fd ${f.fd} type`).toBe(f.type)
      counts[f.type] = (counts[f.type] ?? 0) + 1
      if (f.type === 'IPv4' || f.type === 'IPv6') {
        expect(lsofInetName(h!), `fd ${f.fd} addresses`).toBe(f.name)
        expect(h!.socketProtocol!.toUpperCase()).toBe(f.protocol)
        if (f.tcp.TST !== undefined) expect(h!.socketState, `fd ${f.fd} state`).toBe(f.tcp.TST)
        if (f.tcp.TQR !== undefined) expect(h!.receiveQueue, `fd ${f.fd} receive queue`).toBe(Number(f.tcp.TQR))
        if (f.tcp.TQS !== undefined) expect(h!.sendQueue, `fd ${f.fd} send queue`).toBe(Number(f.tcp.TQS))
      } else if (f.type === 'unix') {
        // lsof: `<path> type=STREAM` (no path for an unbound socket); the state as a T field.
        const m = /^(.*?) ?type=(\w+)$/.exec(f.name)!
        expect(h!.localAddress ?? '', `fd ${f.fd} path`).toBe(m[1])
        expect(h!.socketProtocol!.toUpperCase()).toBe(m[2])
        // lsof leaves TST out for some unix sockets (node's stdio socketpairs); ss has every state, below.
        if (f.tcp.TST !== undefined) expect(h!.socketState, `fd ${f.fd} state`).toBe(f.tcp.TST)
      } else if (f.type === 'FIFO' && f.name === 'pipe') {
        expect(h!.objectName).toBe(`pipe:[${f.inode}]`)
      } else if (f.type === 'a_inode') {
        // lsof: [eventfd:<id>], [timerfd], [signalfd], inotify
        const kind = /^\[?(\w+)/.exec(f.name)![1]
        expect(h!.objectName).toMatch(new RegExp(`^anon_inode:\\[?${kind}`))
        const id = /^\[eventfd:(\d+)\]$/.exec(f.name)?.[1]
        if (id !== undefined) expect(h!.details).toContain(`id ${id}`)
      } else {
        expect(h!.objectName, `fd ${f.fd} name`).toBe(f.name)
      }
    }
    // Mapped files: lsof's `mem` (mapped) and `DEL` (mapped, deleted) by name against vaSpace.deleted.
    const mapped = lsof.filter((f) => f.fd === 'mem' || f.fd === 'DEL')
    for (const f of mapped) {
      const want = f.fd === 'DEL' ? 1 : 0
      const named = regions.filter((r) => r.mappedFileName !== undefined && r.mappedFileName.replace(/ \(deleted\)$/, '') === f.name)
      expect(named.length, `mapping ${f.name}`).toBeGreaterThan(0)
      expect(named.map((r) => r.linux?.file?.deleted), `mapping ${f.name} deleted`).toContain(want)
    }
    expect(mapped.filter((f) => f.fd === 'DEL').length).toBeGreaterThanOrEqual(2) // gone.txt and the memfd
    // Everything the child opened is there (issue 16's list), so the comparison is not vacuous.
    for (const t of ['REG', 'DIR', 'FIFO', 'IPv4', 'IPv6', 'unix', 'a_inode']) expect(counts[t], t).toBeGreaterThan(0)
    expect(counts.IPv4).toBeGreaterThanOrEqual(5)
    expect(counts.IPv6).toBeGreaterThanOrEqual(5)
    expect(counts.unix).toBeGreaterThanOrEqual(7)
    console.log(`lsof comparison: ${mapped.length} mapped files (${mapped.filter((f) => f.fd === 'DEL').length} deleted) and ${fds.length} fds, all in the archive with the same type and name (${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')})`)
  })

  it('has every socket ss lists with the same addresses, state and queues', () => {
    const byFd = new Map(handles.map((h) => [Number(h.handle), h]))
    for (const s of ss) {
      const h = byFd.get(s.fd)!
      expect(h, `ss fd ${s.fd}`).toBeDefined()
      const unix = s.netid.startsWith('u_')
      expect(h.socketState, `fd ${s.fd} state`).toBe(ssState(s.state, unix))
      if (unix) {
        expect(h.socketProtocol).toBe(s.netid === 'u_str' ? 'stream' : s.netid === 'u_dgr' ? 'dgram' : 'seqpacket')
        expect(h.localAddress ?? '*').toBe(s.local)
      } else {
        expect(h.socketProtocol).toBe(s.netid)
        const six = h.socketFamily === 'inet6'
        expect(inetText(h.localAddress!, h.localPort, six)).toBe(s.local)
        // ss: `0.0.0.0:*` / `[::]:*` when there is no peer.
        expect(h.remoteAddress === undefined ? (six ? '[::]:*' : '0.0.0.0:*') : inetText(h.remoteAddress, h.remotePort, six)).toBe(s.peer)
        if (h.socketState !== 'LISTEN') expect([h.receiveQueue, h.sendQueue]).toEqual([s.recvQ, s.sendQ])
      }
    }
    expect(ss.length).toBe(handles.filter((h) => h.socketFamily !== undefined).length)
    const states = new Set(ss.map((s) => `${s.netid} ${s.state}`))
    for (const want of ['tcp LISTEN', 'tcp ESTAB', 'udp UNCONN', 'udp ESTAB', 'u_str LISTEN', 'u_str ESTAB', 'u_dgr UNCONN', 'u_dgr ESTAB']) expect(states).toContain(want)
    console.log(`ss comparison: ${ss.length} sockets, all with the same addresses and state (${[...states].join(', ')})`)
  })

  it('marks deleted files by the literal name, and shows the kind details fdinfo has', () => {
    const byName = (suffix: string) => handles.find((h) => h.objectName?.endsWith(suffix))!
    expect(byName('/gone.txt (deleted)').deleted).toBe(1)
    expect(byName('/named (deleted)').deleted).toBe(0) // a live file called so
    expect(byName('/regular.txt').deleted).toBe(0)
    const memfd = handles.find((h) => h.typeName === 'Memfd')!
    expect([memfd.deleted, memfd.details]).toEqual([1, 'pssnap-h16-memfd'])
    const of = (t: string) => handles.find((h) => h.typeName === t)?.details
    expect(of('EventFd')).toMatch(/^count 7, id \d+/)
    // child.c: it_value 100 s (counting down), it_interval 5 s.
    expect(of('TimerFd')).toMatch(/^clock monotonic, ticks 0, value \d+\.\d{9}s, interval 5\.000000000s$/)
    expect(of('SignalFd')).toBe('signals SIGUSR1|SIGTERM')
    expect(of('Inotify')).toMatch(/^watches 1, wd 1 ino [0-9a-f]+ dev [0-9a-f]+ mask 0x300$/)
    const goneMap = regions.find((r) => r.mappedFileName?.endsWith('/gone.txt (deleted)'))!
    expect(goneMap.linux?.file?.deleted).toBe(1)
    expect(regions.find((r) => r.mappedFileName?.startsWith('/memfd:'))!.linux?.file?.deleted).toBe(1)
    expect(regions.filter((r) => r.mappedFileName !== undefined && !r.mappedFileName.endsWith(' (deleted)')).every((r) => r.linux?.file?.deleted === 0)).toBe(true)
    const labels = new Set(regions.map((r) => r.mappingLabel).filter(Boolean))
    for (const l of ['[heap]', '[stack]', '[vdso]']) expect(labels).toContain(l)
    if (labelled) expect(labels).toContain('[anon:pssnap-h16]')
    expect(regions.filter((r) => r.mappingLabel !== undefined).every((r) => r.mappedFileName === undefined)).toBe(true)
  })

  it('records the process as ps and prlimit see it', () => {
    const pid = String(child.pid)
    const ps = (field: string) => execFileSync('ps', ['-o', `${field}=`, '-p', pid], { encoding: 'utf8' }).trim()
    expect(proc.commandLine!.join(' ')).toBe(ps('args'))
    expect(proc.commandLine!.length).toBe(3)
    expect(proc.commandLine![2]).toBe('second argument with spaces')
    expect(proc.workingDirectory).toBe(dir)
    expect(proc.rootDirectory).toBe('/')
    expect(proc.executableDeleted).toBe(false)
    expect([proc.realUserId, proc.effectiveUserId, proc.realGroupId, proc.effectiveGroupId]).toEqual([ps('ruid'), ps('euid'), ps('rgid'), ps('egid')].map(Number))
    expect([proc.userName, proc.effectiveUserName, proc.groupName, proc.effectiveGroupName]).toEqual([ps('ruser'), ps('euser'), ps('rgroup'), ps('egroup')])
    const limits = execFileSync('prlimit', ['--pid', pid, '--raw', '--noheadings', '-o', 'RESOURCE,SOFT,HARD'], { encoding: 'utf8' })
    const lim = Object.fromEntries(limits.trim().split('\n').map((l) => l.trim().split(/\s+/)).map(([r, s, h]) => [r, [s, h]]))
    const asText = (v: bigint) => (v === (1n << 64n) - 1n ? 'unlimited' : String(v))
    expect([asText(proc.limits!.openFiles!.soft), asText(proc.limits!.openFiles!.hard)]).toEqual(lim.NOFILE)
    expect([asText(proc.limits!.addressSpace!.soft), asText(proc.limits!.addressSpace!.hard)]).toEqual(lim.AS)
    const nsOf = (n: string) => BigInt(/\[(\d+)\]/.exec(execFileSync('readlink', [`/proc/${pid}/ns/${n}`], { encoding: 'utf8' }))![1]!)
    expect(proc.namespaces!.net).toBe(nsOf('net'))
    expect(proc.namespaces!.mnt).toBe(nsOf('mnt'))
    expect(proc.cgroup!.length).toBeGreaterThan(0)
  })

  it('redacts every new string, keyed so that a pair redacted with one key still pairs', async () => {
    const redact = async (key: string) => {
      const sink = new MemorySink()
      await redactArchive(archive, sink, { key: new TextEncoder().encode(key), redactedAt: '2026-12-02T00:00:00.000Z' })
      return sink.bytes()
    }
    const bytes = await redact('k1')
    expect(Buffer.from(await redact('k1')).equals(Buffer.from(bytes))).toBe(true)
    const text = Buffer.from(bytes).toString('latin1')
    // Nothing the child named survives: its directory, socket paths, abstract name, memfd name, argument.
    for (const secret of [dir.split('/').pop()!, 'stream.sock', 'pssnap-h16-', 'second argument', 'regular.txt']) expect(text, secret).not.toContain(secret)
    const r = await openArchive(bytes)
    const hs = r.handles.toArray().map(flat)
    const p = r.header.linuxProcess!
    expect(p.commandLine).toHaveLength(3)
    expect(p.workingDirectory).not.toBe(dir)
    expect(p.userName).toMatch(/^user-[0-9a-f]{10}$/)
    expect(p.limits).toEqual(proc.limits)
    // Kernel vocabulary and loopback addresses stay; the abstract name keeps its `@`; state and ports stay.
    expect(hs.map((h) => [h.socketFamily, h.socketProtocol, h.socketState, h.localPort, h.remotePort])).toEqual(handles.map((h) => [h.socketFamily, h.socketProtocol, h.socketState, h.localPort, h.remotePort]))
    expect(hs.filter((h) => h.socketFamily === 'inet').every((h) => h.localAddress === '127.0.0.1')).toBe(true)
    expect(hs.find((h) => h.localAddress?.startsWith('@'))?.localAddress).toMatch(/^@n-[0-9a-f]{10}$/)
    expect(hs.find((h) => h.typeName === 'SignalFd')!.details).toBe('signals SIGUSR1|SIGTERM')
    expect(hs.find((h) => h.typeName === 'Memfd')!.details).toMatch(/^n-[0-9a-f]{10}$/)
    expect(r.vaSpace.toArray().map((v) => v.mappingLabel).filter(Boolean)).toEqual(regions.map((v) => v.mappingLabel).filter((l) => l !== undefined && !l.startsWith('[anon')))
    // Remote addresses: one key, one pseudonym per address, the family kept; another key, another one.
    const k1 = new PseudonymMaker(new TextEncoder().encode('k1'))
    const k2 = new PseudonymMaker(new TextEncoder().encode('k2'))
    expect(ipPseudonym(k1, '192.0.2.7')).toMatch(/^10\.\d+\.\d+\.\d+$/)
    expect(ipPseudonym(k1, '192.0.2.7')).toBe(ipPseudonym(new PseudonymMaker(new TextEncoder().encode('k1')), '192.0.2.7'))
    expect(ipPseudonym(k2, '192.0.2.7')).not.toBe(ipPseudonym(k1, '192.0.2.7'))
    expect(ipPseudonym(k1, '2001:db8::7')).toMatch(/^fd00::[0-9a-f:]+$/)
    expect(ipPseudonym(k1, '::ffff:192.0.2.7')).toBe(`::ffff:${ipPseudonym(k1, '192.0.2.7')}`)
    expect(ipPseudonym(k1, '/run/x.sock')).toBeUndefined()
  })
})

// The tables are the target's own network namespace (/proc/<pid>/net), not pssnap's (/proc/net): a child in
// a new network namespace (unshare -n, root) holds sockets that pssnap's namespace does not list at all.
const netnsMissing = skip || process.getuid?.() !== 0 || !has('unshare') || !has('nsenter') || !has('ip')
describe.skipIf(netnsMissing)('sockets of a process in another network namespace', () => {
  it('are joined from its own tables, and ss inside that namespace agrees', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pssnap-netns-'))
    const exe = join(dir, 'child')
    execFileSync('gcc', ['-O0', '-o', exe, SOURCE])
    await mkdir(join(dir, 'd'))
    const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "$0" "$1" x`, exe, join(dir, 'd')], { cwd: dir }) as ChildProcessWithoutNullStreams
    try {
      await waitReady(child)
      const pid = child.pid!
      const path = join(dir, 'netns.pssnap')
      await captureLinuxToFile(pid, path)
      const a = await openArchiveFile(path, { strict: true })
      const ours = BigInt(/\[(\d+)\]/.exec(execFileSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }))![1]!)
      expect(a.header.linuxProcess!.namespaces!.net).not.toBe(ours)
      const tcp = a.handles.toArray().map(flat).filter((h) => h.socketProtocol === 'tcp')
      expect(tcp.length).toBe(6)
      // pssnap's own namespace does not list these sockets: only the target's tables could give them.
      const mine = execFileSync('cat', ['/proc/net/tcp', '/proc/net/tcp6'], { encoding: 'utf8' })
      for (const h of tcp) expect(mine).not.toMatch(new RegExp(` ${/\[(\d+)\]/.exec(h.objectName!)![1]} `))
      // ss run inside the target's namespace (nsenter) agrees on every socket's state.
      const inside = parseSs(execFileSync('nsenter', ['-t', String(pid), '-n', 'ss', '-H', '-tuwxanp'], { encoding: 'utf8' }), pid)
      const byFd = new Map(a.handles.toArray().map(flat).map((h) => [Number(h.handle), h]))
      expect(inside.filter((s) => !s.netid.startsWith('u_')).length).toBe(10)
      for (const s of inside) expect(byFd.get(s.fd)!.socketState, `fd ${s.fd}`).toBe(ssState(s.state, s.netid.startsWith('u_')))
    } finally {
      child.stdin.end()
      child.kill()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

// A process names its own sockets: a path with a newline forges a table line for another of its sockets.
describe.skipIf(skip)('a unix socket path that forges a /proc/net/unix line', () => {
  it('leaves the claimed socket without addresses or state, with a soft error, never as /etc/victim', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pssnap-forge-'))
    const exe = join(dir, 'forger')
    execFileSync('gcc', ['-O0', '-o', exe, fileURLToPath(new URL('./linux-lsof/forger.c', import.meta.url))])
    const child = spawn(exe, [], { cwd: dir }) as ChildProcessWithoutNullStreams
    try {
      const inode = (await waitReady(child)).trim().split(' ')[1]!
      // The kernel really lists the inode twice (the premise of the attack).
      const table = execFileSync('cat', [`/proc/${child.pid}/net/unix`], { encoding: 'latin1' })
      expect(table.split('\n').filter((l) => new RegExp(` ${inode}( |$)`).test(l)).length).toBe(2)
      const path = join(dir, 'forged.pssnap')
      await captureLinuxToFile(child.pid!, path)
      const a = await openArchiveFile(path, { strict: true })
      const victim = a.handles.toArray().find((h) => h.objectName === `socket:[${inode}]`)!
      expect(victim.linux).toBeUndefined()
      expect(a.handles.toArray().some((h) => h.linux?.socket?.localAddress === '/etc/victim')).toBe(false)
      expect(a.captureErrors.filter((e) => e.name === 'EBADMSG').map((e) => e.message)).toEqual([expect.stringContaining(`socket inode ${inode} is listed more than once`), expect.stringContaining('comes just before a repeated inode')])
      // The forger's own socket: its name was cut at the newline, so it is stored without one (not as `@f`).
      const forger = a.handles.toArray().find((h) => h.linux?.socket?.protocol === 'dgram')!
      expect(forger.linux!.socket).toEqual({ family: 'unix', protocol: 'dgram', state: 'UNCONNECTED' })
    } finally {
      child.stdin.end()
      child.kill()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
