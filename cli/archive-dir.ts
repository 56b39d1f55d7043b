// A directory given where archives are expected (`pssnap trend snaps/`): its `.pssnap` files, as `pssnap watch`
// and a capture of several processes write them. Hidden files (a capture's `.name.tmp` in progress) and
// anything that is not a regular file are left out.
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { CliError } from './io.js'

export async function expandArchivePaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined)
    if (!s?.isDirectory()) {
      out.push(path)
      continue
    }
    const names = (await readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.startsWith('.') && d.name.endsWith('.pssnap')).map((d) => d.name)
    if (!names.length) throw new CliError('NO_ARCHIVES', `'${path}' holds no .pssnap archives`)
    out.push(...names.sort().map((n) => join(path, n)))
  }
  return out
}

/** Whether any of `paths` is a directory (its archives may be of several processes: grouped by target). */
export async function anyDirectory(paths: readonly string[]): Promise<boolean> {
  for (const path of paths) if ((await stat(path).catch(() => undefined))?.isDirectory()) return true
  return false
}
