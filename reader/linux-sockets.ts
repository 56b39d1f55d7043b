// How a Linux socket reads in a table (spec/LINUX.md §9.1): `tcp 127.0.0.1:8080 → 127.0.0.1:51234
// ESTABLISHED`, `unix stream /run/x.sock LISTEN`, as ss and lsof show them, from the 1.2 handle columns.
// Plain text from archive strings: the table sanitises each cell (displayCell) as it does objectName.

interface SocketGroups {
  linux?: { socket?: Record<string, unknown>; inet?: Record<string, unknown> }
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
const num = (v: unknown) => (typeof v === 'number' ? v : undefined)

function endpoint(family: string, address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined) return undefined
  const host = family === 'inet6' ? `[${address}]` : address
  return port === undefined ? host : `${host}:${port}`
}

/** The socket described in one line, or undefined when the entry has no `linux.socket` group (not a 1.2 socket). */
export function socketText(entry: object): string | undefined {
  const socket = (entry as SocketGroups).linux?.socket
  const family = str(socket?.family)
  if (socket === undefined || family === undefined) return undefined
  const inet = (entry as SocketGroups).linux?.inet
  const protocol = str(socket.protocol)
  const head = family === 'inet' || family === 'inet6' ? (protocol ?? family) : [family, protocol].filter(Boolean).join(' ')
  const local = family === 'netlink' && str(socket.localAddress) !== undefined ? `port ${str(socket.localAddress)}` : endpoint(family, str(socket.localAddress), num(inet?.localPort))
  const remote = endpoint(family, str(socket.remoteAddress), num(inet?.remotePort))
  return [head, local, remote === undefined ? undefined : `→ ${remote}`, str(socket.state)].filter((p) => p !== undefined && p !== '').join(' ')
}
