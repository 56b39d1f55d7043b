// The folder the Windows build of Node runs under Wine: run-pipeline.js (test/wine/run-pipeline.ts and everything
// it imports, bundled by esbuild as the CLI is), koffi's JS loader with its Windows binary beside it in
// node_modules, the fake DLL, and a package.json naming pssnap and its version (the producer version the
// archives record is looked up from the nearest package.json, as from an installed package).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { KOFFI_DIR } from './windows-node.js'

const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url))
const ENTRY = fileURLToPath(new URL('./run-pipeline.ts', import.meta.url))

export interface WineApp {
  dir: string
  script: string
  library: string
  /** The built CLI (dist/cli.js, `npm run build` first), beside the same node_modules/koffi. */
  cli: string
}

export async function buildWineApp(dir: string, koffiWin32Dir: string, fakeDll: string): Promise<WineApp> {
  mkdirSync(dir, { recursive: true })
  const script = join(dir, 'run-pipeline.js')
  await build({
    entryPoints: [ENTRY],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // Bundled CommonJS dependencies (msgpackr's native loader) call require().
    banner: { js: "import { createRequire as __wineCreateRequire } from 'node:module'\nconst require = __wineCreateRequire(import.meta.url)" },
    // koffi is loaded from node_modules below (its loader picks the Windows binary); msgpackr-extract is
    // msgpackr's optional addon (msgpackr falls back to JS without it).
    external: ['koffi', 'msgpackr-extract'],
    logLevel: 'warning',
  })
  const { version } = JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'pssnap', version, private: true, type: 'module' }, null, 2)}\n`)
  cpSync(KOFFI_DIR, join(dir, 'node_modules', 'koffi'), { recursive: true })
  cpSync(koffiWin32Dir, join(dir, 'node_modules', '@koromix', 'koffi-win32-x64'), { recursive: true })
  const library = join(dir, 'fakepss.dll')
  cpSync(fakeDll, library)
  const cli = join(dir, 'cli.js')
  cpSync(join(PROJECT_DIR, 'dist', 'cli.js'), cli)
  // The CLI is split (scripts/build.mjs): cli.js imports its verbs from chunks/ beside it.
  const chunks = join(PROJECT_DIR, 'dist', 'chunks')
  if (existsSync(chunks)) cpSync(chunks, join(dir, 'chunks'), { recursive: true })
  return { dir, script, library, cli }
}
