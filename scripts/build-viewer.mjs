// The viewer bundle (viewer/, issue 14): viewer.js (esbuild, one IIFE: the UI, uPlot, d3-hierarchy and the
// reader), viewer.css, and index.html, the static viewer (file picker, drop, `?url=`) under a strict CSP that
// allows exactly its inline script and style by hash. `pssnap report` and `pssnap view` read viewer.js and
// viewer.css from here to build their pages. Run by scripts/build.mjs; alone: `node scripts/build-viewer.mjs [dir]`.
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

export async function buildViewer(outDir) {
  mkdirSync(outDir, { recursive: true })
  const result = await build({
    entryPoints: ['viewer/main.ts'],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16.4'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'warning',
  })
  const js = result.outputFiles[0].text
  // The script is inlined in pages: it must not be able to end its own <script> element or open a comment.
  if (/<\/script|<!--/i.test(js)) throw new Error('viewer bundle contains </script or <!--: it cannot be inlined')
  const css = [readFileSync('node_modules/uplot/dist/uPlot.min.css', 'utf8'), readFileSync('viewer/style.css', 'utf8')].join('\n')
  if (/<\/style/i.test(css)) throw new Error('viewer CSS contains </style')
  writeFileSync(`${outDir}/viewer.js`, js)
  writeFileSync(`${outDir}/viewer.css`, css)
  const csp = `default-src 'none'; script-src ${hash(js)}; style-src ${hash(css)}; connect-src 'self'; base-uri 'none'; form-action 'none'`
  writeFileSync(
    `${outDir}/index.html`,
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="viewport" content="width=device-width, initial-scale=1"><title>pssnap viewer</title><style>${css}</style></head><body><main id="app"></main><script>${js}</script></body></html>\n`,
  )
  return { bytes: js.length, css: css.length }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const info = await buildViewer(process.argv[2] ?? 'dist/viewer')
  console.log(`viewer: ${info.bytes} bytes of script, ${info.css} of CSS`)
}
