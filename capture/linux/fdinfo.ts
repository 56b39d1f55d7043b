// `handles.details` (format 1.2, spec/LINUX.md §9.3): what fdinfo says of an eventfd, timerfd, signalfd or
// inotify descriptor, and a memfd's name. Only these kinds are parsed past `mnt_id:`.

const CLOCKS: Readonly<Record<number, string>> = { 0: 'realtime', 1: 'monotonic', 7: 'boottime', 8: 'realtime_alarm', 9: 'boottime_alarm' }
const SIGNALS = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS']
const MAX_WATCHES = 16

/** `key: value` lines (the key may hold spaces: `settime flags`). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':')
    if (colon > 0 && !out.has(line.slice(0, colon))) out.set(line.slice(0, colon), line.slice(colon + 1).trim())
  }
  return out
}

const dec = (hex: string | undefined) => (hex !== undefined && /^[0-9a-f]{1,16}$/i.test(hex) ? BigInt(`0x${hex}`).toString() : undefined)
const int = (v: string | undefined) => (v !== undefined && /^\d{1,20}$/.test(v) ? v : undefined)
/** `(s, ns)` → `s.nnnnnnnnns`. */
function timespec(v: string | undefined): string | undefined {
  const m = /^\((\d{1,20}), (\d{1,9})\)$/.exec(v ?? '')
  return m ? `${m[1]}.${m[2]!.padStart(9, '0')}s` : undefined
}

/** `0000000000004002` → `SIGINT|SIGTERM` (bit n−1 is signal n). */
export function signalNames(hex: string): string | undefined {
  if (!/^[0-9a-f]{1,16}$/i.test(hex)) return undefined
  const mask = BigInt(`0x${hex}`)
  const names: string[] = []
  for (let n = 1; n <= 64; n++) if ((mask >> BigInt(n - 1)) & 1n) names.push(n < SIGNALS.length ? SIGNALS[n]! : n >= 34 ? `SIGRTMIN+${n - 34}` : `SIG${n}`)
  return names.length ? names.join('|') : 'none'
}

/** The details of one descriptor of kind `typeName` from its fdinfo text (and link target for a memfd). */
export function detailsOf(typeName: string | undefined, fdinfo: string, target: string): string | undefined {
  if (typeName === 'Memfd') {
    const name = target.slice('/memfd:'.length)
    return name.endsWith(' (deleted)') ? name.slice(0, -' (deleted)'.length) : name
  }
  if (typeName !== 'EventFd' && typeName !== 'TimerFd' && typeName !== 'SignalFd' && typeName !== 'Inotify') return undefined
  const parts: string[] = []
  const add = (label: string, v: string | undefined) => {
    if (v !== undefined) parts.push(`${label} ${v}`)
  }
  if (typeName === 'Inotify') {
    const watches = fdinfo.split('\n').filter((l) => l.startsWith('inotify '))
    parts.push(`watches ${watches.length}`)
    for (const w of watches.slice(0, MAX_WATCHES)) {
      const kv = Object.fromEntries(w.slice('inotify '.length).split(' ').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)]))
      const hex = (k: string) => (Object.hasOwn(kv, k) && /^[0-9a-f]{1,16}$/i.test(kv[k]!) ? kv[k] : undefined)
      parts.push(`wd ${int(kv.wd) ?? '?'} ino ${hex('ino') ?? '?'} dev ${hex('sdev') ?? '?'} mask 0x${hex('mask') ?? '?'}`)
    }
    if (watches.length > MAX_WATCHES) parts.push(`… ${watches.length - MAX_WATCHES} more`)
    return parts.join(', ')
  }
  const f = fields(fdinfo)
  if (typeName === 'EventFd') {
    add('count', dec(f.get('eventfd-count')))
    add('id', int(f.get('eventfd-id')))
    if (f.get('eventfd-semaphore') === '1') parts.push('semaphore')
  } else if (typeName === 'TimerFd') {
    const clock = int(f.get('clockid'))
    add('clock', clock === undefined ? undefined : (CLOCKS[Number(clock)] ?? clock))
    add('ticks', int(f.get('ticks')))
    add('value', timespec(f.get('it_value')))
    add('interval', timespec(f.get('it_interval')))
  } else {
    const mask = f.get('sigmask')
    add('signals', mask === undefined ? undefined : signalNames(mask))
  }
  return parts.length ? parts.join(', ') : undefined
}
