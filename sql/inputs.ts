// The archives named on a command line: files, folders (every *.pssnap below them, sorted) and globs
// (`*`, `?` and `**` when the shell did not expand them). Names are sorted so snapshot ids are stable.
import { readdir, stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { SqlError } from './errors.js'

/** Folders deeper than this below a named folder are not searched (a link loop, a mount of `/`). */
const MAX_DEPTH = 16

async function walk(dir: string, depth: number, into: string[]): Promise<void> {
  if (depth > MAX_DEPTH) return
  const entries = await readdir(dir, { withFileTypes: true })
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name)
    // Symbolic links are not followed into folders: a loop cannot make the walk endless.
    if (e.isDirectory()) await walk(path, depth + 1, into)
    else if (e.isFile() && e.name.endsWith('.pssnap')) into.push(path)
  }
}

/** A glob segment as a regular expression: `*` and `?` within one name, nothing else special. */
function segmentPattern(segment: string): RegExp {
  const body = [...segment].map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&'))).join('')
  return new RegExp(`^${body}$`)
}

async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[\\/]/)
  const first = parts.findIndex((p) => /[*?]/.test(p))
  const base = parts.slice(0, first).join(sep) || (pattern.startsWith('/') ? '/' : '.')
  const out: string[] = []
  const step = async (dir: string, i: number, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return
    if (i === parts.length) {
      const s = await stat(dir).catch(() => undefined)
      if (s?.isFile()) out.push(dir)
      return
    }
    const part = parts[i]!
    if (part === '**') {
      await step(dir, i + 1, depth)
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await step(join(dir, e.name), i, depth + 1)
      return
    }
    if (!/[*?]/.test(part)) return step(join(dir, part), i + 1, depth)
    const re = segmentPattern(part)
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) if (re.test(e.name)) await step(join(dir, e.name), i + 1, depth)
  }
  await step(base, first, 0)
  return out.sort()
}

export async function resolveInputs(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const input of inputs) {
    const s = await stat(input).catch(() => undefined)
    if (s?.isDirectory()) {
      const found: string[] = []
      await walk(input, 0, found)
      if (!found.length) throw new SqlError('SQL_NO_INPUT', `'${input}' holds no .pssnap archive`)
      out.push(...found)
    } else if (s) out.push(input)
    else if (/[*?]/.test(input)) {
      const found = await expandGlob(input)
      if (!found.length) throw new SqlError('SQL_NO_INPUT', `'${input}' matches no file`)
      out.push(...found)
    } else throw new SqlError('SQL_NO_INPUT', `'${input}' does not exist`)
  }
  // One archive named twice (a file and its folder) is loaded once.
  return [...new Set(out)]
}
