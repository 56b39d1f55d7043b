// Why the kernel refused to let us read a process's /proc files (`exe`, `fd/`, `maps`), from what /proc and
// /sys say, so ACCESS_DENIED names the cause instead of advising "run as root" to someone who is root.
//
// Those reads need ptrace *read* access (PTRACE_MODE_READ_FSCREDS, kernel/ptrace.c __ptrace_may_access): the
// same uid as the target (and a dumpable target), or CAP_SYS_PTRACE; then every security module may still
// refuse. Yama's ptrace_scope restricts only attaching, never these reads, so it is not blamed here.
import { readFileSync, readlinkSync, statSync } from 'node:fs'
import { parseStatus, procRoot } from './proc.js'

/** CAP_SYS_PTRACE's bit in the CapEff mask (include/uapi/linux/capability.h). */
const CAP_SYS_PTRACE = 19n

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** The calling process's effective capabilities include CAP_SYS_PTRACE. */
function havePtraceCapability(): boolean {
  const capEff = parseStatus(read('/proc/self/status') ?? '').get('CapEff')
  return capEff !== undefined && /^[0-9a-f]+$/i.test(capEff) && ((BigInt(`0x${capEff}`) >> CAP_SYS_PTRACE) & 1n) === 1n
}

/** PROC_USER_INIT_INO (include/linux/proc_ns.h): the inode of the initial user namespace. */
const INITIAL_USER_NAMESPACE = 'user:[4026531837]'

function inInitialUserNamespace(): boolean {
  try {
    return readlinkSync('/proc/self/ns/user') === INITIAL_USER_NAMESPACE
  } catch {
    return true // cannot tell: do not claim a namespace is the cause
  }
}

/** Active security modules (`capability,landlock,yama,apparmor`), when securityfs is mounted and readable. */
function securityModules(): string[] {
  return (read('/sys/kernel/security/lsm') ?? '')
    .trim()
    .split(',')
    .filter((m) => m && m !== 'capability')
}

/** One sentence for ACCESS_DENIED: what refused, and what would help (or that nothing we can do would). */
export function accessDeniedCause(pid: number): string {
  const root = procRoot(pid)
  const self = process.getuid?.() ?? -1
  let owner: number | undefined
  try {
    owner = statSync(root).uid
  } catch {
    owner = undefined
  }
  // Uid: real, effective, saved, filesystem. A non-dumpable process's /proc files belong to root instead.
  const uids = (parseStatus(read(`${root}/status`) ?? '').get('Uid') ?? '').split(/\s+/).map(Number)
  const effective = Number.isInteger(uids[1]) ? uids[1]! : owner
  const notDumpable = owner === 0 && effective !== undefined && effective !== 0
  const capable = havePtraceCapability()
  const modules = securityModules()
  const lsm = modules.length ? `a security module (active: ${modules.join(', ')})` : 'a security module or sandbox (securityfs does not say which)'

  if (capable && !inInitialUserNamespace()) return `pssnap runs in a user namespace (a container) whose CAP_SYS_PTRACE does not reach process ${pid}, which lives outside it; run pssnap in the process's own namespace`
  if (capable) return `the kernel refused although pssnap has CAP_SYS_PTRACE${self === 0 ? ' (it runs as root)' : ''}, so ${lsm} forbids it; running as root again will not help`
  if (notDumpable && effective === self) return `process ${pid} runs as uid ${self} like pssnap but is not dumpable (it changed credentials or called prctl(PR_SET_DUMPABLE, 0)), so only CAP_SYS_PTRACE may read it: run pssnap as root or with CAP_SYS_PTRACE`
  if (effective !== undefined && effective !== self) return `process ${pid} belongs to uid ${effective} and pssnap runs as uid ${self}: run pssnap as that user, or as root / with CAP_SYS_PTRACE`
  return `ptrace read access was refused to uid ${self} without CAP_SYS_PTRACE; if the process is dumpable and yours, ${lsm} forbids it`
}
