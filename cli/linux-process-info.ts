// `pssnap info`'s Linux process block (format 1.2 `linuxProcess`, spec/LINUX.md §9.5): command line,
// directories, user and group, the limits people ask about first. Every string is the process's own bytes,
// shown through safeText.
import type { LinuxProcess } from '../format/index.js'
import { safeText } from '../reader/display.js'

const RLIM_INFINITY = (1n << 64n) - 1n
/** How many characters of the command line are shown (the JSON has all of it). */
const COMMAND_LINE_SHOWN = 400

/** An argument as a shell would need it: quoted when it holds spaces or quotes, so the boundaries show. */
const argText = (a: string) => (a === '' || /[\s'"\\]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)

function idText(name: string | undefined, id: number | undefined): string | undefined {
  if (id === undefined) return undefined
  return name === undefined ? String(id) : `${safeText(name, { max: 64 })} (${id})`
}

function who(realName: string | undefined, realId: number | undefined, effName: string | undefined, effId: number | undefined): string | undefined {
  const real = idText(realName, realId)
  if (real === undefined) return undefined
  return effId === undefined || effId === realId ? real : `${real}, effective ${idText(effName, effId)}`
}

const limitText = (l: { soft: bigint; hard: bigint } | undefined, unit = '') => {
  if (!l) return undefined
  const v = (x: bigint) => (x === RLIM_INFINITY ? 'unlimited' : `${x}${unit}`)
  return `${v(l.soft)} (hard ${v(l.hard)})`
}

/** `[label, value]` rows for info's block; values are display-safe. */
export function linuxProcessRows(p: LinuxProcess): [string, string | undefined][] {
  const cmd = p.commandLine?.map(argText).join(' ')
  return [
    ['command line', cmd === undefined ? undefined : safeText(cmd, { max: COMMAND_LINE_SHOWN })],
    ['cwd', p.workingDirectory === undefined ? undefined : safeText(p.workingDirectory)],
    ['root', p.rootDirectory === undefined || p.rootDirectory === '/' ? undefined : safeText(p.rootDirectory)],
    ['executable', p.executableDeleted ? 'deleted since it was started' : undefined],
    ['user', who(p.userName, p.realUserId, p.effectiveUserName, p.effectiveUserId)],
    ['group', who(p.groupName, p.realGroupId, p.effectiveGroupName, p.effectiveGroupId)],
    ['open files limit', limitText(p.limits?.openFiles)],
    ['address space limit', limitText(p.limits?.addressSpace, ' bytes')],
    ['namespaces', p.namespaces ? (['net', 'pid', 'mnt', 'user'] as const).filter((n) => p.namespaces![n] !== undefined).map((n) => `${n} ${p.namespaces![n]}`).join(', ') : undefined],
  ]
}
