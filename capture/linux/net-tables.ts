// Sockets joined by inode from the target's own network namespace, /proc/<pid>/net/* (spec/LINUX.md §9.1).
// Host-wide tables can be huge: each is read in 64 KiB slices and parsed line by line, keeping only the lines
// whose inode the process holds; past 64 MiB the rest is counted, not parsed, and a soft error says so.
import { closeSync, openSync, readSync } from 'node:fs'
import { endianness } from 'node:os'
import type { HandleEntry } from '../../format/index.js'
import { textFromBytes } from './byte-text.js'
import { procRoot } from './proc.js'
import type { SoftErrors } from './soft-errors.js'

/** What a table line says about one socket: the 1.2 groups `linux.socket` and, for tcp/udp/raw, `linux.inet`. */
export interface SocketInfo {
  socket: { family: string; protocol: string; state?: string; localAddress?: string; remoteAddress?: string }
  inet?: { localPort: number; remotePort: number; sendQueue: number; receiveQueue: number }
}

type Table = 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'raw' | 'raw6' | 'netlink' | 'packet' | 'unix'
/** unix last: its lines carry arbitrary path bytes, so an inode it repeats from another table is caught as ambiguous. */
export const NET_TABLES: readonly Table[] = ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'netlink', 'packet', 'unix']

/** include/net/tcp_states.h, by value. */
const TCP_STATES = ['', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV']
/** socket_state (include/uapi/linux/net.h) 1–4. */
const UNIX_STATES = ['', 'UNCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTING']
const SOCK_TYPES: Readonly<Record<number, string>> = { 1: 'stream', 2: 'dgram', 3: 'raw', 4: 'rdm', 5: 'seqpacket' }
/** include/uapi/linux/netlink.h NETLINK_* by number. */
const NETLINK_PROTOCOLS = ['route', 'unused', 'usersock', 'firewall', 'sock_diag', 'nflog', 'xfrm', 'selinux', 'iscsi', 'audit', 'fib_lookup', 'connector', 'netfilter', 'ip6_fw', 'dnrtmsg', 'kobject_uevent', 'generic', '', 'scsitransport', 'ecryptfs', 'rdma', 'crypto', 'smc']
const SO_ACCEPTCON = 0x10000

const LITTLE = endianness() === 'LE'

/** `0100007F` (a __be32 printed as a host-order integer) → `127.0.0.1`. */
export function ipv4OfHex(hex: string): string {
  const v = Number.parseInt(hex, 16) >>> 0
  const b = LITTLE ? [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24] : [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
  return b.join('.')
}

/** 32 hex digits (four host-order words) → RFC 5952 text: lower case, longest zero run (≥ 2 groups) as `::`, v4-mapped dotted. */
export function ipv6OfHex(hex: string): string {
  const bytes: number[] = []
  for (let w = 0; w < 4; w++) {
    const v = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0
    const b = LITTLE ? [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24] : [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]
    bytes.push(...b)
  }
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) [best, bestLen] = [i, j - i]
    i = j
  }
  const hexOf = (g: number[]) => g.map((x) => x.toString(16)).join(':')
  return best < 0 ? hexOf(groups) : `${hexOf(groups.slice(0, best))}::${hexOf(groups.slice(best + bestLen))}`
}

const isZeroHex = (hex: string) => /^0+$/.test(hex)

/** One line of tcp/udp/raw (4 or 6): `sl local rem st tx:rx tr:when retr uid timeout inode …`. */
function inetLine(table: Table, f: string[]): [string, SocketInfo] | undefined {
  if (f.length < 10 || !/^\d+:$/.test(f[0]!)) return undefined
  const [local, remote, st, queues, , , , , inode] = f.slice(1) as string[]
  const six = table.endsWith('6')
  const addr = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/
  const l = addr.exec(local!)
  const r = addr.exec(remote!)
  const q = /^([0-9A-Fa-f]{1,8}):([0-9A-Fa-f]{1,8})$/.exec(queues!)
  if (!l || !r || !q || !/^\d+$/.test(inode!) || l[1]!.length !== (six ? 32 : 8) || r[1]!.length !== l[1]!.length) return undefined
  const ip = six ? ipv6OfHex : ipv4OfHex
  const remotePort = Number.parseInt(r[2]!, 16)
  const info: SocketInfo = {
    socket: { family: six ? 'inet6' : 'inet', protocol: table.replace('6', ''), state: TCP_STATES[Number.parseInt(st!, 16)] ?? `0x${st}`, localAddress: ip(l[1]!) },
    // remotePort 0 with no remote address: no peer, as the kernel writes it.
    inet: { localPort: Number.parseInt(l[2]!, 16), remotePort, sendQueue: Number.parseInt(q[1]!, 16), receiveQueue: Number.parseInt(q[2]!, 16) },
  }
  if (!isZeroHex(r[1]!) || remotePort !== 0) info.socket.remoteAddress = ip(r[1]!)
  return [inode!, info]
}

/** `Num RefCount Protocol Flags Type St Inode [Path]`; the path is the rest of the line, spaces included. */
function unixLine(line: string): [string, SocketInfo] | undefined {
  const m = /^[0-9a-fA-F]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) +(\d+)(?: (.*))?$/.exec(line)
  if (!m) return undefined
  const flags = Number.parseInt(m[1]!, 16)
  const state = Number.parseInt(m[3]!, 16)
  const info: SocketInfo = {
    socket: {
      family: 'unix',
      protocol: SOCK_TYPES[Number.parseInt(m[2]!, 16)] ?? `type ${Number.parseInt(m[2]!, 16)}`,
      state: flags & SO_ACCEPTCON ? 'LISTEN' : (UNIX_STATES[state] ?? `state ${state}`),
    },
  }
  // The line was read as Latin-1 (one char per byte): the path's bytes are decoded by the lossless rule.
  if (m[5] !== undefined && m[5] !== '') info.socket.localAddress = /[^\x00-\x7f]/.test(m[5]) ? textFromBytes(Buffer.from(m[5], 'latin1')) : m[5]
  return [m[4]!, info]
}

/** `sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode`. */
function netlinkLine(f: string[]): [string, SocketInfo] | undefined {
  if (f.length < 10 || !/^[0-9a-f]+$/.test(f[0]!) || !/^\d+$/.test(f[1]!) || !/^\d+$/.test(f[9]!)) return undefined
  const proto = Number(f[1])
  // The port id as the local address (ss shows it in that column).
  return [f[9]!, { socket: { family: 'netlink', protocol: NETLINK_PROTOCOLS[proto] || String(proto), localAddress: String(Number(f[2]) >>> 0) } }]
}

/** `sk RefCnt Type Proto Iface R Rmem User Inode`. */
function packetLine(f: string[]): [string, SocketInfo] | undefined {
  if (f.length < 9 || !/^[0-9a-f]+$/.test(f[0]!) || !/^\d+$/.test(f[8]!)) return undefined
  return [f[8]!, { socket: { family: 'packet', protocol: SOCK_TYPES[Number(f[2])] ?? `type ${f[2]}` } }]
}

export function parseNetLine(table: Table, line: string): [string, SocketInfo] | undefined {
  if (table === 'unix') return unixLine(line)
  const f = line.trim().split(/\s+/)
  if (table === 'netlink') return netlinkLine(f)
  if (table === 'packet') return packetLine(f)
  return inetLine(table, f)
}

/** Which whitespace-separated field (from 0) holds the inode, for the tables without free text (not unix). */
const INODE_FIELD: Readonly<Record<Table, number | undefined>> = { tcp: 9, tcp6: 9, udp: 9, udp6: 9, raw: 9, raw6: 9, netlink: 9, packet: 8, unix: undefined }

/** What `line.trim().split(/\s+/)[n]` is (\s in Latin-1: tab to carriage return, space, no-break space), without splitting. */
export function fieldAt(line: string, n: number): string | undefined {
  const blank = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0
  let at = 0
  for (let field = 0; ; field++) {
    while (at < line.length && blank(line.charCodeAt(at))) at++
    if (at >= line.length) return undefined
    const start = at
    while (at < line.length && !blank(line.charCodeAt(at))) at++
    if (field === n) return line.slice(start, at)
  }
}

export interface NetTableOptions {
  /** Bytes of one table parsed at most (default 64 MiB); the rest is counted. */
  maxBytes?: number
  /** Tests: where the tables are (default /proc/<pid>/net). */
  dir?: string
}

const SLICE = 64 * 1024
/** Counting what was cut stops here too: a table that never ends cannot hold the capture. */
const COUNT_LIMIT = 1024 * 1024 * 1024

/**
 * Fills the socket columns of `sockets` (inode → entry) from the process's network namespace. Tables are
 * read only while some inode is still unknown; an inode met twice gets nothing (a soft error says so).
 */
export function joinSockets(pid: number, sockets: ReadonlyMap<string, HandleEntry>, errors: SoftErrors, options: NetTableOptions = {}): void {
  if (sockets.size === 0) return
  const dir = options.dir ?? `${procRoot(pid)}/net`
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024
  const found = new Map<string, SocketInfo>()
  const ambiguous = new Set<string>()
  const predecessors = new Map<string, string[]>()
  /** Held sockets whose line was followed by one that does not parse: their path went on past a newline. */
  const brokenBy = new Set<string>()
  for (const table of NET_TABLES) {
    if (found.size === sockets.size) break
    const path = `${dir}/${table}`
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch (error) {
      // A kernel without the protocol (no IPv6, no packet sockets) has no table: nothing of it is held.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') errors.add('handles', 'read', path, error, 'sockets of this table kept without addresses and state')
      continue
    }
    try {
      // The line before each line of a held socket: a forged line follows the line whose path holds it.
      let previous: string | undefined
      let lineNo = 0
      const inodeField = INODE_FIELD[table]
      const cut = readTable(fd, maxBytes, (line) => {
        // Tables without free text are the whole namespace's (a host's: thousands of other processes' sockets):
        // a line whose inode is not held is passed over unparsed. Nothing is taken from it (it could only be a
        // predecessor of a held line, and predecessors count only when held).
        if (inodeField !== undefined) {
          const inode = fieldAt(line, inodeField)
          if (inode === undefined || !sockets.has(inode)) {
            previous = undefined
            lineNo++
            return
          }
        }
        const parsed = parseNetLine(table, line)
        const before = previous
        previous = parsed?.[0]
        // A line that is not the header and does not parse is the rest of the path before it (a newline in it).
        if (table === 'unix' && !parsed && lineNo > 0 && before !== undefined && sockets.has(before) && line !== '') brokenBy.add(before)
        lineNo++
        if (!parsed || !sockets.has(parsed[0])) return
        const [inode, info] = parsed
        if (before !== undefined) (predecessors.get(inode) ?? predecessors.set(inode, []).get(inode)!).push(before)
        if (found.has(inode)) {
          if (!ambiguous.has(inode)) {
            ambiguous.add(inode)
            const e = Object.assign(new Error(`socket inode ${inode} is listed more than once`), { code: 'EBADMSG', errno: -74 })
            errors.add('handles', 'read', path, e, 'kept without family, addresses and state (a unix path can forge a line)')
          }
          return
        }
        found.set(inode, info)
      })
      if (cut > 0) {
        const e = Object.assign(new Error(`table longer than ${maxBytes} bytes; ${cut >= COUNT_LIMIT ? 'at least ' : ''}${cut} bytes after it not parsed`), { code: 'EFBIG', errno: -27 })
        errors.add('handles', 'read', path, e, 'sockets listed there are kept without addresses and state')
      }
    } catch (error) {
      errors.add('handles', 'read', path, error, 'sockets of this table kept without addresses and state')
    } finally {
      closeSync(fd)
    }
  }
  // Whichever socket's path held the newline was cut there, and it is one of the lines just before an
  // ambiguous inode's: their paths are not trusted either.
  const cutPaths = new Set<string>([...brokenBy].filter((p) => found.get(p)?.socket.localAddress !== undefined))
  for (const inode of ambiguous) for (const p of predecessors.get(inode) ?? []) if (!ambiguous.has(p) && found.get(p)?.socket.localAddress !== undefined) cutPaths.add(p)
  for (const inode of cutPaths) {
    delete found.get(inode)!.socket.localAddress
    const e = Object.assign(new Error(`the line of socket inode ${inode} comes just before ${brokenBy.has(inode) ? 'a line that does not parse' : "a repeated inode's"}: its path may hold a newline`), { code: 'EBADMSG', errno: -74 })
    errors.add('handles', 'read', `${dir}/unix`, e, 'kept without its path')
  }
  for (const [inode, info] of found) {
    // Which line is the kernel's cannot be told: an ambiguous socket gets nothing from either.
    if (ambiguous.has(inode)) continue
    const linux = (sockets.get(inode)!.linux ??= {})
    linux.socket = info.socket
    if (info.inet) linux.inet = info.inet
  }
}

/** Calls `line` for each line of the first `maxBytes`; returns how many bytes followed (0: all parsed). */
function readTable(fd: number, maxBytes: number, line: (text: string) => void): number {
  const buf = Buffer.allocUnsafe(SLICE)
  let carry = ''
  let total = 0
  for (;;) {
    const n = readSync(fd, buf, 0, SLICE, null)
    if (n === 0) break
    if (total + n > maxBytes) {
      // Parse up to the bound, then count the rest without keeping it.
      const keep = maxBytes - total
      const text = carry + buf.toString('latin1', 0, keep)
      const lines = text.split('\n')
      lines.pop()
      for (const l of lines) line(l)
      let rest = n - keep
      for (;;) {
        if (rest >= COUNT_LIMIT) return rest
        const m = readSync(fd, buf, 0, SLICE, null)
        if (m === 0) return rest
        rest += m
      }
    }
    total += n
    const text = carry + buf.toString('latin1', 0, n)
    let at = 0
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', at)) {
      line(text.slice(at, end))
      at = end + 1
    }
    carry = text.slice(at)
    // A line longer than a table's bound cannot be a socket's: drop it rather than grow.
    if (carry.length > SLICE * 4) carry = ''
  }
  if (carry) line(carry)
  return 0
}
