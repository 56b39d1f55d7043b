// The viewer's page for `pssnap report` (archives embedded) and `pssnap view` (archives fetched by `?url=`):
// the bundle built by scripts/build-viewer.mjs, inlined, under a CSP that allows exactly that script and
// that style by hash and nothing else (`default-src 'none'`).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'
import { exeAsset } from './exe-assets.js'
import { CliError } from './io.js'

export interface ViewerAssets {
  readonly js: string
  readonly css: string
}

/** dist/viewer/ beside the bundled CLI (dist/cli.js), or beside the tsc-built one (dist/cli/report.js). */
export async function viewerAssets(): Promise<ViewerAssets> {
  // The one-file executables carry the same two files as assets (cli/exe-assets.ts).
  const [exeJs, exeCss] = [exeAsset('viewer.js'), exeAsset('viewer.css')]
  if (exeJs !== undefined && exeCss !== undefined) return { js: exeJs, css: exeCss }
  for (const dir of ['./viewer/', '../viewer/']) {
    try {
      const base = new URL(dir, import.meta.url)
      const [js, css] = await Promise.all([readFile(new URL('viewer.js', base), 'utf8'), readFile(new URL('viewer.css', base), 'utf8')])
      return { js, css }
    } catch {
      // try the next place
    }
  }
  throw new CliError('VIEWER_MISSING', 'the viewer bundle (dist/viewer/viewer.js) is missing: run `npm run build`')
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/** The page's Content-Security-Policy: its own script and style by hash; `connect` for `?url=` (view). No `"&<>` in it: it goes into an attribute as it is. */
export function viewerCsp(assets: ViewerAssets, connectSelf: boolean): string {
  return `default-src 'none'; script-src ${sha256(assets.js)}; style-src ${sha256(assets.css)}; connect-src ${connectSelf ? "'self'" : "'none'"}; base-uri 'none'; form-action 'none'`
}

/** Text for an HTML attribute value in double quotes. */
export const attribute = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;')

/** The MIME type of an embedded archive's data block (viewer/load.ts EMBEDDED_TYPE). */
const EMBEDDED_TYPE = 'application/x-pssnap+base64'

/**
 * The page, written in parts (a 100 MB archive is never one more string than its base64). Each archive is
 * a `<script type="application/x-pssnap+base64">` data block (gzipped first when it was written
 * uncompressed: `data-encoding="gzip"`): not run, not subject to script-src, and its base64 alphabet cannot
 * close the element.
 */
/** An archive as embedded: its bytes, gzipped when that saves at least a tenth (an uncompressed archive). */
export interface EmbeddedArchive {
  readonly name: string
  readonly bytes: Uint8Array
  /** `gzip`: `bytes` is the archive file gzipped whole (its exact bytes come back out). */
  readonly encoding?: 'gzip'
}

/** Level 1, as the archive writer's deflate: most of the gain of 6 at a fraction of the time. */
export function embeddable(name: string, bytes: Uint8Array): EmbeddedArchive {
  const zipped = gzipSync(bytes, { level: 1 })
  return zipped.length <= bytes.length * 0.9 ? { name, bytes: zipped, encoding: 'gzip' } : { name, bytes }
}

export function* viewerPage(assets: ViewerAssets, archives: readonly EmbeddedArchive[], connectSelf: boolean): Generator<string> {
  yield `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${viewerCsp(assets, connectSelf)}"><meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1"><title>pssnap viewer</title><style>${assets.css}</style></head><body><main id="app"><p>Loading… (this page needs JavaScript)</p></main>\n`
  for (const a of archives) {
    yield `<script type="${EMBEDDED_TYPE}" data-name="${attribute(a.name)}"${a.encoding ? ` data-encoding="${a.encoding}"` : ''}>`
    // base64 in 3 MiB slices (multiples of 3 bytes: no padding inside).
    const SLICE = 3 * 1024 * 1024
    for (let i = 0; i < a.bytes.length; i += SLICE) yield Buffer.from(a.bytes.buffer, a.bytes.byteOffset + i, Math.min(SLICE, a.bytes.length - i)).toString('base64')
    yield '</script>\n'
  }
  yield `<script>${assets.js}</script></body></html>\n`
}
