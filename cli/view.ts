// `pssnap view <archives…>`: serves the viewer and the archives on 127.0.0.1 (a random port) under a random
// token, so another local user cannot read the archives by guessing the URL; opens a browser (or, with
// --no-open, prints the URL). Only GETs of the token's own paths are answered; Ctrl-C stops the server.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readArchives } from './report.js'
import { viewerAssets, viewerCsp, viewerPage } from './viewer-page.js'

type Args = Record<string, unknown>

/** The command that hands a URL to the desktop's browser. */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]]
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]]
  return ['xdg-open', [url]]
}

export async function view(args: Args): Promise<number> {
  const paths = (args.archives as unknown[]).map(String)
  const assets = await viewerAssets()
  const archives = await readArchives(paths)
  const token = randomBytes(18).toString('base64url')
  const page = [...viewerPage(assets, [], true)].join('')
  const csp = viewerCsp(assets, true)
  let port = 0
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const common = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cross-Origin-Resource-Policy': 'same-origin' }
    // A page elsewhere that rebinds its DNS name to 127.0.0.1 sends its own Host: refused.
    if (req.method !== 'GET' || req.headers.host !== `127.0.0.1:${port}`) {
      res.writeHead(req.method !== 'GET' ? 405 : 421, common).end()
      return
    }
    const path = (req.url ?? '').split('?')[0]!
    if (path === `/${token}/`) {
      res.writeHead(200, { ...common, 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': `${csp}; frame-ancestors 'none'` }).end(page)
      return
    }
    const m = /^\/([^/]+)\/a\/(\d+)\/[^/]*$/.exec(path)
    const archive = m && m[1] === token ? archives[Number(m[2])] : undefined
    if (archive) {
      res.writeHead(200, { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': archive.bytes.length }).end(archive.bytes)
      return
    }
    res.writeHead(404, common).end()
  }
  const server = createServer(answer)
  // Ctrl-C (or SIGTERM) closes the server, from the moment it exists: the command then returns 0.
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      server.close(() => resolve())
      server.closeAllConnections()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const query = archives.map((a, i) => `url=${encodeURIComponent(`a/${i}/${encodeURIComponent(a.name)}`)}`).join('&')
  const url = `http://127.0.0.1:${port}/${token}/?${query}`
  process.stdout.write(`${url}\n`)
  if (args.open !== false) {
    const [cmd, argv] = opener(url)
    const child = spawn(cmd, argv, { stdio: 'ignore', detached: true })
    child.on('error', () => process.stderr.write(`could not start ${cmd}: open the URL above in a browser\n`))
    child.unref()
  }
  process.stderr.write('serving on 127.0.0.1 only; Ctrl-C stops\n')
  await stopped
  return 0
}
