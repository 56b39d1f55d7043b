// `--verbose` stack traces in the TypeScript sources: the CLI is one minified bundle (dist/cli.js) whose
// frames say `cli.js:1:48213`. Node maps stacks only for files loaded after source maps are enabled, and the
// bundle is the file already running, so its frames are mapped here, through dist/cli.js.map (which the
// package ships and whose sources are the .ts files), with node:module's SourceMap.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath } from 'node:url'

let cached: { map: SourceMap; mapUrl: URL; bundle: string } | null | undefined

function bundleMap(): { map: SourceMap; mapUrl: URL; bundle: string } | null {
  if (cached !== undefined) return cached
  try {
    const bundle = fileURLToPath(import.meta.url)
    const mapUrl = new URL(`${import.meta.url.slice(import.meta.url.lastIndexOf('/') + 1)}.map`, import.meta.url)
    cached = { map: new SourceMap(JSON.parse(readFileSync(mapUrl, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]), mapUrl, bundle }
  } catch {
    cached = null // no map beside the running file (tests importing the .ts directly): frames stay as they are
  }
  return cached
}

/** `stack` with every frame in the bundle rewritten to its source file, line and column; other frames kept. */
export function sourceMappedStack(stack: string): string {
  const found = bundleMap()
  if (!found) return stack
  const { map, mapUrl, bundle } = found
  const escaped = bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const frame = new RegExp(`(?:file://)?${escaped}:(\\d+):(\\d+)`, 'g')
  return stack
    .split('\n')
    .map((line) =>
      line.replace(frame, (whole, l: string, c: string) => {
        const entry = map.findEntry(Number(l) - 1, Number(c) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number }
        if (!entry?.originalSource || entry.originalLine === undefined) return whole
        const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : fileURLToPath(new URL(entry.originalSource, mapUrl))
        return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`
      }),
    )
    .join('\n')
}
