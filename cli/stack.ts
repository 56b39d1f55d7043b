// `--verbose` stack traces in the TypeScript sources: the CLI is a minified bundle (dist/cli.js and the chunks
// it imports, dist/chunks/*.js: scripts/build.mjs) whose frames say `chunks/commands-X.js:1:48213`. Node maps
// stacks only for files loaded after source maps are enabled, and the bundle is already running, so its frames
// are mapped here, each through its file's .map (which the package ships and whose sources are the .ts files),
// with node:module's SourceMap.
import { readFileSync } from 'node:fs'
import { SourceMap } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Per bundle file: its map, or null when it has none (tests importing the .ts directly). */
const maps = new Map<string, SourceMap | null>()

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file)
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0])
    } catch {
      map = null
    }
    maps.set(file, map)
  }
  return map
}

/** The folder of the running bundle file (this module is bundled into dist/cli.js). */
function bundleDir(): string | undefined {
  try {
    const self = fileURLToPath(import.meta.url)
    return self.slice(0, Math.max(self.lastIndexOf('/'), self.lastIndexOf('\\')))
  } catch {
    return undefined
  }
}

/** `stack` with every frame in the bundle rewritten to its source file, line and column; other frames kept. */
export function sourceMappedStack(stack: string): string {
  const dir = bundleDir()
  if (dir === undefined) return stack
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  // The bundle's own files only: cli.js and chunks/*.js (a frame of another file keeps its place).
  const frame = new RegExp(`(?:file://)?(${escaped}[\\\\/](?:cli|chunks[\\\\/][\\w-]+)\\.js):(\\d+):(\\d+)`, 'g')
  return stack
    .split('\n')
    .map((line) =>
      line.replace(frame, (whole, file: string, l: string, c: string) => {
        const map = mapOf(file)
        const entry = map?.findEntry(Number(l) - 1, Number(c) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined
        if (!entry?.originalSource || entry.originalLine === undefined) return whole
        const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : fileURLToPath(new URL(entry.originalSource, pathToFileURL(`${file}.map`)))
        return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`
      }),
    )
    .join('\n')
}
