// Archives for the SQL and Parquet tests: the golden fixtures (formats 1.0 and 1.1), synthetic ones written
// by the archive writer from test/synthetic, a truncated (damaged) one, and the expected value of every
// SQL column computed from the reader's row objects (not from the columns sql/fill.ts copies).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ArchiveWriter, MemorySink, SECTION_NAMES, formatNamed, type Archive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import type { EntryColumn } from '../sql/tables.js'
import { generateSnapshot, type Snapshot } from './synthetic/generate.js'

export async function writeSnapshot(from: Snapshot): Promise<Uint8Array> {
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, { hooks: nodeHooks })
  await w.begin(from.header)
  for (const name of SECTION_NAMES) {
    const list = from.sections[name] as object[]
    w.declareSection(name)
    for (const e of list) {
      const p = w.add(name, e as never)
      if (p) await p
    }
  }
  await w.finish(from.epilogue)
  return sink.bytes()
}

export interface SqlFixtures {
  dir: string
  /** Every archive, in the order given to the session. */
  paths: string[]
  damaged: string
}

/** medium (1.0), linux-small (1.1), minimal, two synthetic archives and a synthetic one cut at 70%. */
export async function sqlFixtures(): Promise<SqlFixtures> {
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-sql-'))
  const withNul = generateSnapshot({ seed: 11, handles: 5000, regions: 3000, threads: 60, auxPages: 4 })
  // Texts with U+0000: C strings would cut them to one 'a' (a duplicate ENUM member crashes DuckDB).
  const h = withNul.sections.handles
  h[1] = { ...h[1]!, objectName: 'a\0x' }
  h[2] = { ...h[2]!, objectName: 'a\0y' }
  h[3] = { ...h[3]!, objectName: 'a' }
  h[4] = { ...h[4]!, objectName: '\0' }
  // Format 1.2's capture set (ARCHIVE.md §3.4).
  withNul.header = { ...withNul.header, captureSet: { id: 'set-20261202-1', kind: 'pids', index: 1, size: 2 } } as typeof withNul.header
  const a = await writeSnapshot(withNul)
  const hostile = generateSnapshot({ seed: 12, handles: 2500, regions: 1000, threads: 20 })
  // A machine name that must not become a folder path when partitioning by host.
  hostile.header = { ...hostile.header, host: { ...hostile.header.host, machineName: '../../evil\u202e/host' } }
  const b = await writeSnapshot(hostile)
  writeFileSync(join(dir, 'synthetic-a.pssnap'), a)
  writeFileSync(join(dir, 'synthetic-b.pssnap'), b)
  const damaged = join(dir, 'synthetic-cut.pssnap')
  writeFileSync(damaged, a.subarray(0, Math.floor(a.length * 0.7)))
  const paths = ['spec/fixtures/medium.pssnap', 'spec/fixtures/linux-small.pssnap', 'spec/fixtures/minimal.pssnap', join(dir, 'synthetic-a.pssnap'), join(dir, 'synthetic-b.pssnap'), damaged]
  return { dir, paths, damaged }
}

const EPOCH = 116444736000000000n
/** µs since 1970, rounded down (a time before 1970 as after), from FILETIME ticks. */
export const microsOf = (ticks: bigint): bigint => {
  const d = ticks - EPOCH
  return d >= 0n ? d / 10n : -((-d + 9n) / 10n)
}

/** The entry's value at a dotted field path. */
function at(entry: object, field: string): unknown {
  let v: unknown = entry
  for (const part of field.split('.')) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[part]
  return v
}

/**
 * What column `c` should hold for `entry`, in one normal form: bigint for integers and times (µs), number for
 * seconds, string for text, null for NULL.
 */
export function expectedValue(c: EntryColumn, entry: object): bigint | number | string | null {
  const v = at(entry, c.field)
  if (v === undefined) return null
  switch (c.fill) {
    case 'int':
      return BigInt(v as number | bigint)
    case 'time':
      return v === 0n ? null : microsOf(v as bigint)
    case 'dur':
      return Number(v as bigint) / 1e7
    case 'text':
      return v as string
    case 'name':
      return formatNamed(c.names, v as number)
    case 'length':
      return (v as Uint8Array).length || null
  }
}

/** A value read back (DuckDB or hyparquet) in the same normal form. */
export function normal(v: unknown): bigint | number | string | null {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint' || typeof v === 'string') return v
  if (typeof v === 'number') return v
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'object' && 'micros' in (v as object)) return (v as { micros: bigint }).micros
  return String(v)
}

export function sectionOf(archive: Archive, section: string): object[] {
  return archive.section(section)!.toArray()
}

export interface FleetArchive {
  path: string
  host: string
  image: string
  startedAt: string
  handles: number
}

/**
 * A small fleet: `hosts` × `services`, each captured `sets` times a minute apart into `<dir>/set<k>/`. The
 * service `leaky.exe` on the first host gains 40 handles a capture; the others stay level.
 */
export async function writeFleet(dir: string, options: { hosts?: number; services?: number; sets?: number } = {}): Promise<FleetArchive[]> {
  const hosts = options.hosts ?? 2
  const services = options.services ?? 2
  const sets = options.sets ?? 2
  const out: FleetArchive[] = []
  const t0 = Date.parse('2026-11-30T10:00:00Z')
  let seed = 100
  for (let k = 0; k < sets; k++) {
    mkdirSync(join(dir, `set${k + 1}`), { recursive: true })
    for (let h = 0; h < hosts; h++) {
      for (let s = 0; s < services; s++) {
        const image = s === 0 ? 'C:\\svc\\leaky.exe' : `C:\\svc\\steady${s}.exe`
        const host = `host-${h + 1}`
        const handles = 200 + 10 * s + (s === 0 && h === 0 ? 40 * k : 0)
        const snap = generateSnapshot({ seed: seed++, handles, regions: 50, threads: 4 })
        const startedAt = new Date(t0 + k * 60_000 + h * 1000 + s * 100).toISOString()
        snap.header = { ...snap.header, host: { ...snap.header.host, machineName: host }, target: { ...snap.header.target, processId: 1000 + 4 * s, imagePath: image }, capture: { ...snap.header.capture, startedAt } }
        const path = join(dir, `set${k + 1}`, `${host}-${s}.pssnap`)
        writeFileSync(path, await writeSnapshot(snap))
        out.push({ path, host, image, startedAt, handles })
      }
    }
  }
  return out
}
