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
export const ipv4OfHex = (hex: string): string => ipv4At(Buffer.from(hex, 'latin1'), 0)

/** 32 hex digits (four host-order words) → RFC 5952 text: lower case, longest zero run (≥ 2 groups) as `::`, v4-mapped dotted. */
export const ipv6OfHex = (hex: string): string => ipv6At(Buffer.from(hex, 'latin1'), 0)

/** The value of the hex digits `b[from, to)` (exact up to 13 of them), or -1 when one is not a hex digit. */
function hexValue(b: Uint8Array, from: number, to: number): number {
  let v = 0
  for (let i = from; i < to; i++) {
    const c = b[i]!
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1
    if (d < 0) return -1
    v = v * 16 + d
  }
  return v
}

/** The host-order word of 8 hex digits at `b[at]` as its four bytes in memory order, into `out[k…k+3]`. */
function wordBytes(b: Uint8Array, at: number, out: Uint8Array, k: number): void {
  const v = hexValue(b, at, at + 8) >>> 0
  const lo = LITTLE
  out[k] = lo ? v & 0xff : v >>> 24
  out[k + 1] = lo ? (v >>> 8) & 0xff : (v >>> 16) & 0xff
  out[k + 2] = lo ? (v >>> 16) & 0xff : (v >>> 8) & 0xff
  out[k + 3] = lo ? v >>> 24 : v & 0xff
}

const addressBytes = new Uint8Array(16)
const dotted = (a: Uint8Array, k: number) => `${a[k]}.${a[k + 1]}.${a[k + 2]}.${a[k + 3]}`

/** ipv4OfHex of the 8 hex digits at `b[at]`. */
function ipv4At(b: Buffer, at: number): string {
  wordBytes(b, at, addressBytes, 0)
  return dotted(addressBytes, 0)
}

/** ipv6OfHex of the 32 hex digits at `b[at]`. */
function ipv6At(b: Buffer, at: number): string {
  const a = addressBytes
  for (let w = 0; w < 4; w++) wordBytes(b, at + w * 8, a, w * 4)
  const group = (i: number) => (a[2 * i]! << 8) | a[2 * i + 1]!
  let zeros = 0
  while (zeros < 8 && group(zeros) === 0) zeros++
  if (zeros === 5 && group(5) === 0xffff) return `::ffff:${dotted(a, 12)}`
  // The first longest run of two or more zero groups.
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (group(i) !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && group(j) === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  let text = ''
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      text += '::'
      i += bestLen - 1
      continue
    }
    text += (text === '' || text.endsWith(':') ? '' : ':') + group(i).toString(16)
  }
  return text
}

/** The protocol of a tcp/udp/raw table (4 or 6). */
const INET_PROTOCOL: Readonly<Partial<Record<Table, string>>> = { tcp: 'tcp', tcp6: 'tcp', udp: 'udp', udp6: 'udp', raw: 'raw', raw6: 'raw' }

/** Spans of the first fields of a line (fieldSpans): start and end of field n at 2n, 2n+1. */
const spans = new Int32Array(20)
const isHexAt = (b: Uint8Array, from: number, to: number) => to > from && hexValue(b, from, to) >= 0
const isDigits = (b: Uint8Array, from: number, to: number) => {
  for (let i = from; i < to; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false
  return to > from
}
/** `hex+:hhhh` (an address and port) at spans field n: the address's length, or -1. */
function addressLength(b: Uint8Array, n: number): number {
  const from = spans[2 * n]!
  const to = spans[2 * n + 1]!
  return to - from >= 6 && b[to - 5] === 0x3a && isHexAt(b, from, to - 5) && isHexAt(b, to - 4, to) ? to - 5 - from : -1
}

/**
 * One line `b[from, to)` of tcp/udp/raw (4 or 6): `sl local rem st tx:rx tr:when retr uid timeout inode …`,
 * fields as `line.trim().split(/\s+/)` gives them.
 */
function inetLine(table: Table, b: Buffer, from: number, to: number): [string, SocketInfo] | undefined {
  if (fieldSpans(b, from, to, 10, false) < 10) return undefined
  // Indexed, not destructured: destructuring iterates, which costs most before the code is optimised.
  const s0 = spans[0]!
  const e0 = spans[1]!
  const lFrom = spans[2]!
  const lTo = spans[3]!
  const rFrom = spans[4]!
  const rTo = spans[5]!
  const qFrom = spans[8]!
  const qTo = spans[9]!
  if (e0 - s0 < 2 || b[e0 - 1] !== 0x3a || !isDigits(b, s0, e0 - 1) || !isDigits(b, spans[18]!, spans[19]!)) return undefined
  const six = table.endsWith('6')
  const length = addressLength(b, 1)
  if (length !== (six ? 32 : 8) || addressLength(b, 2) !== length) return undefined
  const colon = b.indexOf(0x3a, qFrom)
  if (colon < 0 || colon >= qTo || colon - qFrom > 8 || qTo - colon - 1 > 8 || !isHexAt(b, qFrom, colon) || !isHexAt(b, colon + 1, qTo)) return undefined
  const ip = six ? ipv6At : ipv4At
  const remotePort = hexValue(b, rTo - 4, rTo)
  // The state as Number.parseInt(st, 16) reads it: all hex digits (what the kernel writes) read here.
  const stateValue = hexValue(b, spans[6]!, spans[7]!)
  let state = stateValue >= 0 ? TCP_STATES[stateValue] : undefined
  if (state === undefined) {
    const st = b.toString('latin1', spans[6], spans[7])
    state = TCP_STATES[Number.parseInt(st, 16)] ?? `0x${st}`
  }
  const family = six ? 'inet6' : 'inet'
  const protocol = INET_PROTOCOL[table]!
  const localAddress = ip(b, lFrom)
  // Each shape made whole by one literal, no property added afterwards: a literal's hidden class lives as long
  // as its code does, one grown by an added property only while an object has it, and optimised code that read
  // the last capture's sockets (the writer's) was thrown away at each full GC between captures.
  const info: SocketInfo = {
    // remotePort 0 with no remote address: no peer, as the kernel writes it.
    socket: hexValue(b, rFrom, rTo - 5) !== 0 || remotePort !== 0 ? { family, protocol, state, localAddress, remoteAddress: ip(b, rFrom) } : { family, protocol, state, localAddress },
    inet: { localPort: hexValue(b, lTo - 4, lTo), remotePort, sendQueue: hexValue(b, qFrom, colon), receiveQueue: hexValue(b, colon + 1, qTo) },
  }
  return [b.toString('latin1', spans[18], spans[19]), info]
}

/** `Num RefCount Protocol Flags Type St Inode [Path]`; the path is the rest of the line, spaces included. */
function unixLine(line: string): [string, SocketInfo] | undefined {
  const m = /^[0-9a-fA-F]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) ([0-9A-Fa-f]+) +(\d+)(?: (.*))?$/.exec(line)
  if (!m) return undefined
  const flags = Number.parseInt(m[1]!, 16)
  const state = Number.parseInt(m[3]!, 16)
  const family = 'unix'
  const protocol = SOCK_TYPES[Number.parseInt(m[2]!, 16)] ?? `type ${Number.parseInt(m[2]!, 16)}`
  const socketState = flags & SO_ACCEPTCON ? 'LISTEN' : (UNIX_STATES[state] ?? `state ${state}`)
  // The line was read as Latin-1 (one char per byte): the path's bytes are decoded by the lossless rule.
  const path = m[5]
  const info: SocketInfo = {
    socket:
      path !== undefined && path !== ''
        ? { family, protocol, state: socketState, localAddress: /[^\x00-\x7f]/.test(path) ? textFromBytes(Buffer.from(path, 'latin1')) : path }
        : { family, protocol, state: socketState },
  }
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
  if (table !== 'netlink' && table !== 'packet') {
    const b = Buffer.from(line, 'latin1')
    return inetLine(table, b, 0, b.length)
  }
  const f = line.trim().split(/\s+/)
  return table === 'netlink' ? netlinkLine(f) : packetLine(f)
}

/** parseNetLine of the Latin-1 line `b[from, to)`: a tcp/udp/raw line without a string of it. */
const parseNetBytes = (table: Table, b: Buffer, from: number, to: number) =>
  table === 'unix' || table === 'netlink' || table === 'packet' ? parseNetLine(table, b.toString('latin1', from, to)) : inetLine(table, b, from, to)

/** Which whitespace-separated field (from 0) holds the inode, for the tables without free text (not unix). */
const INODE_FIELD: Readonly<Record<Table, number | undefined>> = { tcp: 9, tcp6: 9, udp: 9, udp6: 9, raw: 9, raw6: 9, netlink: 9, packet: 8, unix: undefined }

/** What `line.trim().split(/\s+/)[n]` is (\s in Latin-1: tab to carriage return, space, no-break space), without splitting. */
export function fieldAt(line: string, n: number): string | undefined {
  const b = Buffer.from(line, 'latin1')
  return fieldSpans(b, 0, b.length, n + 1, false) > n ? b.toString('latin1', spans[2 * n], spans[2 * n + 1]) : undefined
}

const isBlank = (c: number, spacesOnly: boolean) => c === 0x20 || (!spacesOnly && ((c >= 0x09 && c <= 0x0d) || c === 0xa0))

/**
 * The first `count` (≤ 10) fields of the Latin-1 line `b[from, to)`, as `line.trim().split(/\s+/)` gives them,
 * into `spans`; returns how many there are (at most `count`). `spacesOnly`: fields between spaces only, as the
 * unix table's line regex (unixLine) takes them.
 */
function fieldSpans(b: Uint8Array, from: number, to: number, count: number, spacesOnly: boolean): number {
  let at = from
  for (let field = 0; field < count; field++) {
    while (at < to && isBlank(b[at]!, spacesOnly)) at++
    if (at >= to) return field
    spans[2 * field] = at
    while (at < to && !isBlank(b[at]!, spacesOnly)) at++
    spans[2 * field + 1] = at
  }
  return count
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
  const s = scan
  s.begin(sockets, errors)
  try {
    for (const table of NET_TABLES) {
      if (s.found.size === sockets.size) break
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
        s.table = table
        s.path = path
        s.inodeField = INODE_FIELD[table]
        s.previous = undefined
        s.lineNo = 0
        const cut = readTable(fd, maxBytes)
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
    const { found, ambiguous, predecessor, repeatedAfter, brokenBy } = s
    // Whichever socket's path held the newline was cut there, and it is one of the lines just before an
    // ambiguous inode's: their paths are not trusted either.
    const cutPaths = new Set<string>([...brokenBy].filter((p) => found.get(p)?.socket.localAddress !== undefined))
    for (const inode of ambiguous) {
      const before = [predecessor.get(inode), ...(repeatedAfter.get(inode) ?? [])]
      for (const p of before) if (p !== undefined && !ambiguous.has(p) && found.get(p)?.socket.localAddress !== undefined) cutPaths.add(p)
    }
    for (const inode of cutPaths) {
      delete found.get(inode)!.socket.localAddress
      const e = Object.assign(new Error(`the line of socket inode ${inode} comes just before ${brokenBy.has(inode) ? 'a line that does not parse' : "a repeated inode's"}: its path may hold a newline`), { code: 'EBADMSG', errno: -74 })
      errors.add('handles', 'read', `${dir}/unix`, e, 'kept without its path')
    }
    for (const [inode, info] of found) {
      // Which line is the kernel's cannot be told: an ambiguous socket gets nothing from either.
      if (ambiguous.has(inode)) continue
      const entry = sockets.get(inode)!
      if (entry.linux === undefined) entry.linux = info.inet ? { socket: info.socket, inet: info.inet } : { socket: info.socket }
      else {
        entry.linux.socket = info.socket
        if (info.inet) entry.linux.inet = info.inet
      }
    }
  } finally {
    s.end()
  }
}

const NO_SOCKETS: ReadonlyMap<string, HandleEntry> = new Map()

/**
 * The join's state, one object for the life of the process, and its line parser a method, not a closure made
 * per table: a closure of the last capture is gone after a full GC and its optimised code with it, so every
 * capture compiled the parser again (and an object of its own per join would take its hidden class along).
 * joinSockets is synchronous: one join at a time.
 */
class TableScan {
  sockets: ReadonlyMap<string, HandleEntry> = NO_SOCKETS
  errors: SoftErrors | undefined = undefined
  found = new Map<string, SocketInfo>()
  ambiguous = new Set<string>()
  // The held line just before each held line (one string, not a list: most inodes are listed once), and the
  // ones before its repetitions.
  predecessor = new Map<string, string>()
  repeatedAfter = new Map<string, string[]>()
  /** Held sockets whose line was followed by one that does not parse: their path went on past a newline. */
  brokenBy = new Set<string>()
  table: Table = 'tcp'
  path = ''
  inodeField: number | undefined = undefined
  // The held socket whose line came just before this one (a forged line follows the line whose path holds
  // it); lines of sockets not held count as nothing, for their inodes are never looked at again.
  previous: string | undefined = undefined
  lineNo = 0

  begin(sockets: ReadonlyMap<string, HandleEntry>, errors: SoftErrors | undefined): void {
    this.sockets = sockets
    this.errors = errors
    this.found = new Map()
    this.ambiguous = new Set()
    this.predecessor = new Map()
    this.repeatedAfter = new Map()
    this.brokenBy = new Set()
  }

  /** Lets go of the capture's sockets and what was found. */
  end(): void {
    this.begin(NO_SOCKETS, undefined)
  }

  /** One line `b[start, end)` of the table being read. */
  line(b: Buffer, start: number, end: number): void {
    const { table, inodeField, sockets } = this
    // A host namespace's tables list thousands of other processes' sockets: a line whose inode is not held is
    // passed over unparsed, and so is a unix line (whose inode, if its regex matches, is its seventh field
    // between spaces) unless it follows a held one: only then can it be the rest of that one's path.
    const n = inodeField ?? 6
    const candidate = fieldSpans(b, start, end, n + 1, inodeField === undefined) > n ? b.toString('latin1', spans[2 * n], spans[2 * n + 1]) : undefined
    const before = this.previous
    if ((candidate === undefined || !sockets.has(candidate)) && (inodeField !== undefined || before === undefined)) {
      this.previous = undefined
      this.lineNo++
      return
    }
    const parsed = parseNetBytes(table, b, start, end)
    this.previous = parsed !== undefined && sockets.has(parsed[0]) ? parsed[0] : undefined
    // A line that is not the header and does not parse is the rest of the path before it (a newline in it).
    if (table === 'unix' && !parsed && this.lineNo > 0 && before !== undefined && end > start) this.brokenBy.add(before)
    this.lineNo++
    if (!parsed || !sockets.has(parsed[0])) return
    const inode = parsed[0]
    const found = this.found
    if (before !== undefined) {
      if (!found.has(inode)) this.predecessor.set(inode, before)
      else (this.repeatedAfter.get(inode) ?? this.repeatedAfter.set(inode, []).get(inode)!).push(before)
    }
    if (found.has(inode)) {
      if (!this.ambiguous.has(inode)) {
        this.ambiguous.add(inode)
        const e = Object.assign(new Error(`socket inode ${inode} is listed more than once`), { code: 'EBADMSG', errno: -74 })
        this.errors!.add('handles', 'read', this.path, e, 'kept without family, addresses and state (a unix path can forge a line)')
      }
      return
    }
    found.set(inode, parsed[1])
  }
}

const scan = new TableScan()

/** Reused by every table of every capture: an unfinished line (up to 4 slices) and the slice read after it. */
let work: Buffer | undefined

/**
 * Calls `scan.line(b, start, end)` for each line `b[start, end)` of the first `maxBytes` (the bytes are valid
 * during the call only); returns how many bytes followed (0: all parsed).
 */
function readTable(fd: number, maxBytes: number): number {
  const buf = (work ??= Buffer.allocUnsafe(SLICE * 5))
  // buf[0, carry): the line the last slice left unfinished.
  let carry = 0
  let total = 0
  for (;;) {
    const n = readSync(fd, buf, carry, SLICE, null)
    if (n === 0) break
    const cut = total + n > maxBytes
    // Up to the bound only: an unfinished line there is not parsed.
    const end = carry + (cut ? maxBytes - total : n)
    const text = buf.subarray(0, end)
    let at = 0
    for (let nl = text.indexOf(NL); nl >= 0; nl = text.indexOf(NL, at)) {
      scan.line(buf, at, nl)
      at = nl + 1
    }
    if (cut) {
      // Count the rest without keeping it.
      let rest = total + n - maxBytes
      for (;;) {
        if (rest >= COUNT_LIMIT) return rest
        const m = readSync(fd, buf, 0, SLICE, null)
        if (m === 0) return rest
        rest += m
      }
    }
    total += n
    // A line longer than a table's bound cannot be a socket's: drop it rather than grow.
    carry = end - at > SLICE * 4 ? 0 : buf.copy(buf, 0, at, end)
  }
  if (carry > 0) scan.line(buf, 0, carry)
  return 0
}

const NL = 0x0a
