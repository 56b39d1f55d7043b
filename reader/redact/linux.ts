// Redaction of what format 1.2 adds for Linux (spec/REDACTION.md §3, LINUX.md §9): IP addresses become
// keyed addresses of the same family, so two redacted captures made with one key still pair the same
// peers; the process's command line, directories, cgroup lines and socket paths are names (§2); user and
// group names become keyed `user-`/`group-` pseudonyms (and count as sensitive text elsewhere).
import type { LinuxProcess } from '../../format/index.js'
import type { NameRedactor } from './names.js'
import type { PseudonymMaker } from './pseudonyms.js'

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
/** Addresses that say nothing about anyone: loopback and unspecified. */
const keptIp = (a: string) => a === '::' || a === '::1' || a === '0.0.0.0' || a.startsWith('127.') || a.startsWith('::ffff:127.')

/** A keyed IPv4 address in 10.0.0.0/8 (24 keyed bits). */
function ipv4Pseudonym(maker: PseudonymMaker, a: string): string {
  const [x, y, z] = maker.numbers('host', `ip4\0${a}`, 3).map((n) => n & 0xff)
  return `10.${x}.${y}.${z}`
}

/** The keyed form of an IP address (text as the capture writes it), or undefined when `value` is not one. */
export function ipPseudonym(maker: PseudonymMaker, value: string): string | undefined {
  if (IPV4.test(value)) {
    if (keptIp(value)) return value
    const out = ipv4Pseudonym(maker, value)
    maker.record(out, value)
    return out
  }
  if (!/^[0-9a-f:.]+$/.test(value) || !value.includes(':')) return undefined
  if (keptIp(value)) return value
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(value)
  const out = mapped ? `::ffff:${ipv4Pseudonym(maker, mapped[1]!)}` : `fd00::${maker.numbers('host', `ip6\0${value}`, 2).map((n) => `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`).join(':')}`
  maker.record(out, value)
  return out
}

/** Socket address fields of the `linux.socket` group: IPs by ipPseudonym, the rest (unix paths) as names. */
export const SOCKET_ADDRESS_FIELDS: ReadonlySet<string> = new Set(['handles.linux.socket.localAddress', 'handles.linux.socket.remoteAddress'])

/** The strings of linuxProcess that are names (§2): redacted with the archive's other names. */
export function linuxProcessNames(p: LinuxProcess | undefined): string[] {
  if (!p) return []
  return [...(p.commandLine ?? []), ...(p.workingDirectory !== undefined ? [p.workingDirectory] : []), ...(p.rootDirectory !== undefined ? [p.rootDirectory] : []), ...(p.cgroup ?? [])]
}

/** User and group names, sensitive wherever they appear in other text (not `root`: too common a word in paths). */
export function linuxAccountNames(p: LinuxProcess | undefined): string[] {
  if (!p) return []
  return [p.userName, p.effectiveUserName, p.groupName, p.effectiveGroupName].filter((n): n is string => n !== undefined && n !== 'root')
}

/** linuxProcess with every string replaced; ids, limits and namespaces (numbers) kept. */
export function redactLinuxProcess(p: LinuxProcess, names: NameRedactor, maker: PseudonymMaker): LinuxProcess {
  const name = (v: string | undefined) => (v === undefined ? undefined : (names.redacted(v) ?? names.redact(v)))
  // Every account name, root's included (it is the user of most captured services).
  const account = (prefix: 'user-' | 'group-', v: string | undefined) => {
    if (v === undefined) return v
    const out = `${prefix}${maker.hex('name', v)}`
    maker.record(out, v)
    return out
  }
  const out: LinuxProcess = { ...p }
  if (p.commandLine) out.commandLine = p.commandLine.map((a) => name(a)!)
  if (p.cgroup) out.cgroup = p.cgroup.map((l) => name(l)!)
  const set = <K extends 'workingDirectory' | 'rootDirectory' | 'userName' | 'effectiveUserName' | 'groupName' | 'effectiveGroupName'>(k: K, v: string | undefined) => {
    if (v !== undefined) out[k] = v
  }
  set('workingDirectory', name(p.workingDirectory))
  set('rootDirectory', name(p.rootDirectory))
  set('userName', account('user-', p.userName))
  set('effectiveUserName', account('user-', p.effectiveUserName))
  set('groupName', account('group-', p.groupName))
  set('effectiveGroupName', account('group-', p.effectiveGroupName))
  return out
}

/** `[heap]`, `[stack]`, `[vdso]` … name no one and stay; `[anon:<name>]` (chosen by the process) keeps its form with the name replaced. */
export function redactMappingLabel(label: string, names: NameRedactor): string {
  const m = /^\[(anon|anon_shmem):(.*)\]$/s.exec(label)
  if (m) return `[${m[1]}:${names.redacted(m[2]!) ?? names.redact(m[2]!)}]`
  return /^\[[a-z_]+(?::\d+)?\]$/.test(label) ? label : (names.redacted(label) ?? names.redact(label))
}
