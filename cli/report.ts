// `pssnap report <archives…> -o report.html`: one self-contained HTML file (the viewer and the archives'
// bytes as base64: as they are when written with deflate, gzipped whole when not) to attach to a bug report and
// open by double-click. Written like every output file: temporary name, rename, mode 0600, never over an input.
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { archiveDamage, damageLine, decodeArchive, nodeHooks } from '../reader/node.js'
import { safeText } from '../reader/display.js'
import { cliDecodeOptions } from './decode-limit.js'
import { CliError, outputTarget, styleFor } from './io.js'
import { embeddable, viewerAssets, viewerPage } from './viewer-page.js'

type Args = Record<string, unknown>

/** Reads each archive and checks it opens (a damaged one is embedded with a warning; not an archive is refused). */
export async function readArchives(paths: readonly string[]): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = []
  for (const path of paths) {
    const bytes = new Uint8Array(await readFile(path))
    const archive = await decodeArchive(bytes, { hooks: nodeHooks, ...cliDecodeOptions() })
    const line = damageLine(archiveDamage(archive), safeText(path))
    if (line) process.stderr.write(`${styleFor(process.stderr, undefined).yellow(line)}\n`)
    out.push({ name: basename(path), bytes })
  }
  return out
}

export async function report(args: Args): Promise<number> {
  const paths = (args.archives as unknown[]).map(String)
  const output = typeof args.output === 'string' ? args.output : undefined
  if (output === undefined || output === '-') throw new CliError('NOT_A_REGULAR_FILE', 'give the report a file name with -o (report.html)')
  const assets = await viewerAssets()
  const target = await outputTarget(output, { force: args.force === true, inputs: paths })
  try {
    const archives = (await readArchives(paths)).map((a) => embeddable(a.name, a.bytes))
    for (const part of viewerPage(assets, archives, false)) await target.write(part)
    await target.close()
  } catch (e) {
    await target.abort()
    throw e
  }
  process.stderr.write(`wrote ${safeText(output)}: the viewer with ${paths.length} archive${paths.length === 1 ? '' : 's'} (opens offline, in any browser)\n`)
  return 0
}
