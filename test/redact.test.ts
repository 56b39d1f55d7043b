// Redaction (reader/redact/, spec/REDACTION.md): names become keyed pseudonyms of the same shape, raw memory
// goes, numbers stay. Checked by searching the redacted bytes for every sensitive original (UTF-8 and
// UTF-16LE), by diffing a redacted pair against the original pair, on the golden fixtures and on a
// synthetic snapshot holding known sensitive strings.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MemorySink, type HandleEntry } from '../format/index.js'
import { decodeArchive, type Archive } from '../reader/archive.js'
import { diffArchives, type ArchiveDiff } from '../reader/diff.js'
import { nodeHooks } from '../reader/node.js'
import { NameRedactor, profileUsers } from '../reader/redact/names.js'
import { PseudonymMaker } from '../reader/redact/pseudonyms.js'
import { planRedaction, redactArchive, RedactError, type RedactOptions } from '../reader/redact/redact.js'
import { validateArchive } from '../reader/validate.js'
import { baseSnapshot, clone, injectChanges } from './helpers/snapshot-pair.js'
import { generateSnapshot, snapshotBytes, type Snapshot } from './synthetic/generate.js'

const KEY = new TextEncoder().encode('correct horse battery staple')
const OTHER_KEY = new TextEncoder().encode('another key')
const AT = '2026-11-25T15:00:00.000Z'
const MEM_IMAGE = 0x1000000
const MEM_COMMIT = 0x1000

/** Strings the synthetic snapshot below plants, none of which may survive redaction. */
const SENSITIVE = [
  'BUILD-SRV-07',
  'jdoe-sensitive',
  'S-1-5-21-3623811015-3361044348-30300820',
  '3623811015',
  'AcmeSecret',
  'secret-plan',
  'Ünïcödé',
  'rapport-été',
  'Données',
  '日本語イベント',
  '設定',
  'Réglages',
  'Contoso',
  'quarterly-budget',
  'worker-of-jdoe',
]
/** Module base names: kept by default (a person debugging needs them), gone with `redactModules`. */
const MODULE_NAMES = ['my-private-tool', '日本語リソース']

/** A synthetic service capture plus handles, regions, threads and an error message holding SENSITIVE. */
function sensitiveSnapshot(): Snapshot {
  const s = generateSnapshot({ seed: 5, handles: 300, regions: 120, threads: 12, contextRatio: 0.5, auxPages: 3 })
  s.header.target.imagePath = 'C:\\Users\\jdoe-sensitive\\bin\\my-private-tool.exe'
  s.header.processInformation!.imageFileName = 'C:\\Users\\jdoe-sensitive\\bin\\my-private-tool.exe'
  const top = s.sections.handles.reduce((m, h) => (h.handle! > m ? h.handle! : m), 0n)
  const names: [string, string][] = [
    ['File', 'C:\\Users\\jdoe-sensitive\\AppData\\Local\\Temp\\secret-plan.txt'],
    ['File', '\\Device\\HarddiskVolume3\\Users\\jdoe-sensitive\\Documents\\quarterly-budget.xlsx'],
    ['File', '\\Device\\Mup\\BUILD-SRV-07\\share\\AcmeSecret\\notes.md'],
    ['Key', '\\REGISTRY\\USER\\S-1-5-21-3623811015-3361044348-30300820-1013\\Software\\AcmeSecret'],
    ['Key', '\\REGISTRY\\USER\\S-1-5-21-3623811015-3361044348-30300820-1013_Classes'],
    ['Mutant', '\\Sessions\\1\\BaseNamedObjects\\AcmeSecretMutex'],
    ['File', '\\Device\\HarddiskVolume3\\Users\\Ünïcödé\\Documents\\Données\\rapport-été.txt'],
    ['Event', '\\Sessions\\1\\BaseNamedObjects\\日本語イベント'],
    ['File', '\\Device\\HarddiskVolume3\\Users\\jdoe-sensitive\\bin\\my-private-tool.exe'],
  ]
  names.forEach(([typeName, objectName], i) => s.sections.handles.push({ handle: top + 4n * BigInt(i + 1), flags: 0x3, objectType: typeName === 'Mutant' ? 3 : 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 1, typeName, objectName }))
  s.sections.threads[0]!.threadName = 'worker-of-jdoe-sensitive'
  s.sections.threads[1]!.threadName = 'main'
  const base = 0x7ff7_0000_0000n
  s.sections.vaSpace.push(
    { baseAddress: base, allocationBase: base, regionSize: 0x1000n, state: MEM_COMMIT, protect: 2, type: MEM_IMAGE, mappedFileName: '\\Device\\HarddiskVolume3\\Users\\jdoe-sensitive\\bin\\my-private-tool.exe' },
    { baseAddress: base + 0x10000n, allocationBase: base + 0x10000n, regionSize: 0x1000n, state: MEM_COMMIT, protect: 2, type: MEM_IMAGE, mappedFileName: '\\Device\\HarddiskVolume3\\Users\\jdoe-sensitive\\AppData\\Local\\AcmeSecret\\plugin.dll' },
  )
  // Page contents are the process's raw memory: here they hold a user name, as real memory would.
  const page = s.sections.auxiliaryPages[0]
  if (page?.pageContents) page.pageContents.set(new TextEncoder().encode('password of jdoe-sensitive'), 64)
  s.epilogue.captureErrors = [{ section: 'handles', operation: 'readlink', code: 13, name: 'EACCES', message: 'C:\\Users\\jdoe-sensitive\\AppData\\Local\\Temp\\locked.db: access denied on BUILD-SRV-07' }]
  return s
}

async function open(bytes: Uint8Array): Promise<Archive> {
  return decodeArchive(bytes, { hooks: nodeHooks })
}

async function redactBytes(archive: Archive, options: RedactOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink()
  await redactArchive(archive, sink, { key: KEY, redactedAt: AT, ...options })
  return sink.bytes()
}

const utf16 = (s: string) => {
  const out = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) new DataView(out.buffer).setUint16(i * 2, s.charCodeAt(i), true)
  return out
}

/** The needles (UTF-8 and UTF-16LE, as given and lower-cased) found in `bytes`. */
function found(bytes: Uint8Array, needles: readonly string[]): string[] {
  const hay = Buffer.from(bytes)
  const hits: string[] = []
  for (const n of needles) {
    for (const v of new Set([n, n.toLowerCase()])) {
      if (hay.includes(Buffer.from(v, 'utf8'))) hits.push(`${v} (UTF-8)`)
      if (hay.includes(Buffer.from(utf16(v)))) hits.push(`${v} (UTF-16LE)`)
    }
  }
  return hits
}

/** Every string value an archive holds (header, epilogue, every text field of every entry). */
function strings(archive: Archive): string[] {
  const out: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v)
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) for (const x of Object.values(v)) walk(x)
  }
  walk(archive.header)
  walk(archive.epilogue)
  for (const s of ['handles', 'threads', 'vaSpace', 'auxiliaryPages']) archive.section(s)!.forEach((e) => walk(e))
  return out
}

describe('names keep their shape', () => {
  const context = { moduleNames: new Set(['node']), redactModules: false, sensitive: ['jdoe'], machineName: 'BUILD-SRV-07' }
  const redactor = async (options: Partial<typeof context> = {}, key = KEY) => new NameRedactor(new PseudonymMaker(key), { ...context, ...options })
  const N = '[0-9a-f]{10}'

  it('a Windows profile path keeps drive, separators, public folders and extension; the user becomes user-…', async () => {
    const r = await redactor()
    expect(await r.redact('C:\\Users\\jdoe\\AppData\\Local\\Temp\\plan.txt')).toMatch(new RegExp(`^C:\\\\Users\\\\user-${N}\\\\AppData\\\\Local\\\\Temp\\\\n-${N}\\.txt$`))
    expect(await r.redact('/home/jdoe/.config/acme/settings.json')).toMatch(new RegExp(`^/home/user-${N}/\\.config/n-${N}/n-${N}\\.json$`))
    expect(await r.redact('\\Device\\HarddiskVolume3\\Users\\Public\\x')).toMatch(new RegExp(`^\\\\Device\\\\HarddiskVolume3\\\\Users\\\\Public\\\\n-${N}$`))
  })

  it('one component has one pseudonym everywhere, under one key', async () => {
    const r = await redactor()
    const a = await r.redact('C:\\Users\\jdoe\\Acme\\a.txt')
    const b = await r.redact('\\Device\\HarddiskVolume3\\Users\\jdoe\\Acme\\b.txt')
    expect(a.split('\\').slice(2, 4)).toEqual(b.split('\\').slice(4, 6))
    const again = await (await redactor()).redact('C:\\Users\\jdoe\\Acme\\a.txt')
    expect(again).toBe(a)
    const other = await (await redactor({}, OTHER_KEY)).redact('C:\\Users\\jdoe\\Acme\\a.txt')
    expect(other).not.toBe(a)
    expect(other).toMatch(/^C:\\Users\\user-/)
  })

  it('SIDs keep their form, authority and RID; well-known SIDs stay', async () => {
    const r = await redactor()
    const out = await r.redact('\\REGISTRY\\USER\\S-1-5-21-3623811015-3361044348-30300820-1013_Classes\\Software')
    expect(out).toMatch(/^\\REGISTRY\\USER\\S-1-5-21-\d+-\d+-\d+-1013_Classes\\SOFTWARE$|^\\REGISTRY\\USER\\S-1-5-21-\d+-\d+-\d+-1013_Classes\\Software$/)
    expect(out).not.toContain('3623811015')
    expect(await r.redact('\\REGISTRY\\USER\\S-1-5-18')).toBe('\\REGISTRY\\USER\\S-1-5-18')
    // A domain SID without RID loses all three domain numbers.
    const domain = await r.redact('S-1-5-21-3623811015-3361044348-30300820')
    expect(domain).toMatch(/^S-1-5-21-\d+-\d+-\d+$/)
    expect(domain).not.toMatch(/3623811015|3361044348|30300820/)
    expect(out.split('\\')[3]!.startsWith(domain)).toBe(true)
    expect(await r.redact('HKEY_USERS\\S-1-5-32-544')).toBe('HKEY_USERS\\S-1-5-32-544')
  })

  it('module base names stay unless modules are redacted; a kept name holding a user name does not', async () => {
    const r = await redactor()
    expect(await r.redact('\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll')).toBe('\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll')
    expect(await r.redact('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6')
    expect(await r.redact('/opt/acme/bin/node')).toMatch(new RegExp(`^/opt/n-${N}/bin/node$`))
    expect(await r.redact('C:\\tools\\jdoe-helper.dll')).toMatch(new RegExp(`^C:\\\\n-${N}\\\\n-${N}\\.dll$`))
    const m = await redactor({ redactModules: true })
    expect(await m.redact('/usr/lib/x86_64-linux-gnu/libc.so.6')).toMatch(new RegExp(`^/usr/lib/x86_64-linux-gnu/n-${N}\\.so\\.6$`))
    expect(await m.redact('/opt/acme/bin/node')).toMatch(new RegExp(`^/opt/n-${N}/bin/n-${N}$`))
  })

  it('kernel pseudo-names stay; memfd names, UNC servers and deleted files are handled', async () => {
    const r = await redactor()
    for (const v of ['socket:[12345]', 'pipe:[77]', 'anon_inode:[eventfd]', 'anon_inode:inotify', 'net:[4026531840]']) expect(await r.redact(v)).toBe(v)
    expect(await r.redact('/memfd:jdoe-buffer (deleted)')).toMatch(new RegExp(`^/memfd:n-${N} \\(deleted\\)$`))
    expect(await r.redact('\\\\BUILD-SRV-07\\AcmeShare\\x.txt')).toMatch(new RegExp(`^\\\\\\\\host-${N}\\\\n-${N}\\\\n-${N}\\.txt$`))
    expect(await r.redact('/home/jdoe/data.bin (deleted)')).toMatch(new RegExp(`^/home/user-${N}/n-${N}\\.bin \\(deleted\\)$`))
  })

  it('profile users are found in Windows, volume and Unix paths', () => {
    expect(profileUsers('C:\\Users\\alice\\x')).toEqual(['alice'])
    expect(profileUsers('\\Device\\HarddiskVolume3\\Users\\bob\\y')).toEqual(['bob'])
    expect(profileUsers('/home/carol/.bashrc')).toEqual(['carol'])
    expect(profileUsers('/root/.npm')).toEqual(['root'])
    expect(profileUsers('C:\\Users\\Public\\x')).toEqual([])
    expect(profileUsers('/usr/share/home/x')).toEqual([])
  })
})

describe('a redacted archive', () => {
  it('holds none of the planted sensitive strings, in UTF-8 or UTF-16LE, uncompressed or compressed', async () => {
    const originalBytes = await snapshotBytes(sensitiveSnapshot())
    // The search works: every planted string is in the original file.
    for (const s of SENSITIVE) expect(found(originalBytes, [s]), s).not.toEqual([])
    const archive = await open(originalBytes)
    const redacted = await redactBytes(archive, { compression: 'none' })
    expect(found(redacted, SENSITIVE)).toEqual([])
    for (const m of MODULE_NAMES) expect(found(originalBytes, [m]), m).not.toEqual([])
    expect(found(await redactBytes(archive, { redactModules: true }), [...SENSITIVE, ...MODULE_NAMES])).toEqual([])
    // Compressed output: search what it decodes to.
    const deflated = await open(await redactBytes(archive, { compression: 'deflate' }))
    expect(deflated.frames.some((f) => f.kind === 2 && f.codec === 1)).toBe(true)
    const text = strings(deflated).join('\n')
    for (const s of SENSITIVE) expect(text.toLowerCase()).not.toContain(s.toLowerCase())
    // Same content either way.
    expect(strings(deflated)).toEqual(strings(await open(redacted)))
  })

  it('keeps types, counts, sizes, protections, module base names and numbers', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    const red = await open(await redactBytes(archive))
    expect(red.handles.length).toBe(archive.handles.length)
    expect(red.threads.length).toBe(archive.threads.length)
    expect(red.vaSpace.length).toBe(archive.vaSpace.length)
    expect(red.auxiliaryPages.length).toBe(archive.auxiliaryPages.length)
    const strip = <T extends object>(e: T, keys: string[]) => Object.fromEntries(Object.entries(e).filter(([k]) => !keys.includes(k)))
    expect(red.handles.toArray().map((h) => strip(h, ['objectName']))).toEqual(archive.handles.toArray().map((h) => strip(h, ['objectName'])))
    expect(red.vaSpace.toArray().map((r) => strip(r, ['mappedFileName']))).toEqual(archive.vaSpace.toArray().map((r) => strip(r, ['mappedFileName'])))
    expect(red.threads.toArray().map((t) => strip(t, ['threadName', 'contextRecord']))).toEqual(archive.threads.toArray().map((t) => strip(t, ['threadName', 'contextRecord'])))
    expect(red.header.processInformation).toEqual({ ...archive.header.processInformation, imageFileName: red.header.processInformation!.imageFileName })
    expect(red.header.performanceCounters).toEqual(archive.header.performanceCounters)
    expect(red.header.capture).toEqual(archive.header.capture)
    expect(red.header.target.imagePath).toMatch(/^C:\\Users\\user-[0-9a-f]{10}\\bin\\my-private-tool\.exe$/) // a module: base name kept
    expect(red.header.host.machineName).toMatch(/^host-[0-9a-f]{10}$/)
    // Present and absent names stay so; a name on one handle is the same pseudonym on every other.
    archive.handles.forEach((h, i) => expect(red.handles.get(i)!.objectName === undefined).toBe(h.objectName === undefined))
    const ntdll = red.vaSpace.toArray().find((r) => r.mappedFileName?.endsWith('\\ntdll.dll'))
    expect(ntdll?.mappedFileName).toBe('\\Device\\HarddiskVolume3\\Windows\\System32\\ntdll.dll')
    expect(red.epilogue?.captureErrors?.[0]?.message).toMatch(/^C:\\Users\\user-[0-9a-f]{10}\\AppData\\Local\\Temp\\n-[0-9a-f]{10}\.db: access denied on host-[0-9a-f]{10}$/)
  })

  it('is marked: method, time, fields replaced, contexts dropped', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    const red = await open(await redactBytes(archive))
    expect(red.header.redaction).toEqual({
      method: 'pssnap-hmac-sha256/1',
      redactedAt: AT,
      fields: expect.arrayContaining(['host.machineName', 'target.imagePath', 'processInformation.imageFileName', 'handles.objectName', 'threads.threadName', 'vaSpace.mappedFileName', 'threads.contextRecord', 'auxiliaryPages.pageContents', 'epilogue.captureErrors.message']),
      contextsDropped: true,
    })
    expect(red.header.redaction!.fields).not.toContain('handles.typeName')
    const random = await open(await (async () => { const sink = new MemorySink(); await redactArchive(archive, sink, {}); return sink.bytes() })())
    expect(random.header.redaction!.method).toBe('pssnap-hmac-sha256/1+random-key')
    expect((await open(await redactBytes(archive, { redactModules: true }))).header.redaction!.method).toBe('pssnap-hmac-sha256/1+modules')
  })

  it('drops thread contexts and page contents unless kept', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    const withContexts = archive.threads.toArray().filter((t) => t.contextRecord)
    expect(withContexts.length).toBeGreaterThan(0)
    const red = await open(await redactBytes(archive))
    expect(red.threads.toArray().filter((t) => t.contextRecord)).toEqual([])
    // The size says a context was captured; the header says it was dropped.
    expect(red.threads.toArray().map((t) => t.sizeOfContextRecord)).toEqual(archive.threads.toArray().map((t) => t.sizeOfContextRecord))
    expect(red.auxiliaryPages.toArray().filter((p) => p.pageContents)).toEqual([])
    const kept = await open(await redactBytes(archive, { keepContexts: true, keepPages: true }))
    expect(kept.threads.toArray().map((t) => t.contextRecord)).toEqual(archive.threads.toArray().map((t) => t.contextRecord))
    expect(kept.contextArchitecture).toBe(archive.contextArchitecture)
    expect(kept.auxiliaryPages.toArray().map((p) => p.pageContents)).toEqual(archive.auxiliaryPages.toArray().map((p) => p.pageContents))
    expect(kept.header.redaction!.contextsDropped).toBe(false)
    expect(kept.header.redaction!.fields).not.toContain('threads.contextRecord')
    // Kept raw memory keeps what it holds: the search finds the user name in the page again.
    expect(found(await redactBytes(archive, { keepPages: true }), ['jdoe-sensitive'])).not.toEqual([])
  })

  it('is byte-identical for the same input, key and time; differs under another key', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    const a = await redactBytes(archive)
    const b = await redactBytes(await open(await snapshotBytes(sensitiveSnapshot())))
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    const other = await open(await redactBytes(archive, { key: OTHER_KEY }))
    const first = await open(a)
    expect(other.header.host.machineName).not.toBe(first.header.host.machineName)
    const differing = first.handles.toArray().filter((h, i) => h.objectName !== other.handles.get(i)!.objectName)
    expect(differing.length).toBeGreaterThan(50)
  })

  it('validates cleanly', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    for (const compression of ['none', 'deflate'] as const) {
      const report = await validateArchive(await redactBytes(archive, { compression }), { hooks: nodeHooks })
      expect(report.diagnostics).toEqual([])
      expect(report.ok).toBe(true)
    }
  })

  it('maps pseudonyms back only through the map', async () => {
    const archive = await open(await snapshotBytes(sensitiveSnapshot()))
    const plan = await planRedaction(archive, { key: KEY, redactedAt: AT })
    const map = plan.map()
    expect(map.schema).toBe('pssnap.redaction-map/1')
    expect(map.warning).toMatch(/undoes the redaction/)
    const red = await open(await redactBytes(archive))
    // Every redacted name maps back to the original at the same place.
    archive.handles.forEach((h, i) => {
      const r = red.handles.get(i)!.objectName
      if (r !== undefined && r !== h.objectName) expect(map.names[r]).toBe(h.objectName)
    })
    const host = red.header.host.machineName!
    expect(map.parts[host]).toBe('BUILD-SRV-07')
    expect(Object.values(map.parts)).toContain('jdoe-sensitive')
    expect(plan.summary.users).toBe(2) // jdoe-sensitive and Ünïcödé
  })

  it('refuses a damaged archive and an empty key', async () => {
    const bytes = await snapshotBytes(sensitiveSnapshot())
    const damaged = await open(bytes.subarray(0, bytes.length - 30))
    await expect(planRedaction(damaged, { key: KEY })).rejects.toMatchObject({ code: 'REDACT_INPUT_DAMAGED' })
    await expect(planRedaction(await open(bytes), { key: new Uint8Array(0) })).rejects.toBeInstanceOf(RedactError)
  })
})

describe('the golden fixtures, redacted', () => {
  for (const name of ['minimal', 'small', 'medium']) {
    it(`${name}.pssnap: validates, keeps every count, and no replaced original remains`, async () => {
      const bytes = readFileSync(new URL(`../spec/fixtures/${name}.pssnap`, import.meta.url))
      const archive = await open(bytes)
      const plan = await planRedaction(archive, { key: KEY, redactedAt: AT })
      const out = await redactBytes(archive, { compression: 'none' })
      const report = await validateArchive(out, { hooks: nodeHooks })
      expect(report.diagnostics).toEqual([])
      const red = await open(out)
      for (const s of ['handles', 'threads', 'vaSpace', 'auxiliaryPages']) expect(red.section(s)!.length).toBe(archive.section(s)!.length)
      const map = plan.map()
      // Whole names that changed, and every replaced component of 5+ characters, are gone from the bytes
      // (as written: a kept module base name may hold a replaced folder's name in another case).
      const replaced = [...Object.values(map.names), ...Object.values(map.parts).filter((p) => p.length >= 5)]
      expect(replaced.length).toBeGreaterThan(0)
      const hay = Buffer.from(out)
      expect(replaced.filter((r) => hay.includes(Buffer.from(r)))).toEqual([])
    })
  }
})

/** A diff reduced to what redaction must keep: every count, entry identity by value/address/id, types. */
function shape(d: ArchiveDiff) {
  const handle = (h: HandleEntry) => `${h.handle}:${h.typeName}:${h.objectName === undefined ? 'unnamed' : 'named'}`
  return {
    warnings: d.warnings.map((w) => w.code),
    byType: d.summary.byType,
    byName: d.summary.byName.map((n) => `${n.objectName === null ? 'unnamed' : 'named'} +${n.added} -${n.removed}`).sort(),
    handles: { added: d.handles.added.map(handle), removed: d.handles.removed.map(handle), unchanged: d.handles.unchanged },
    threads: { added: d.threads.added.map((t) => t.threadId), removed: d.threads.removed.map((t) => t.threadId), unchanged: d.threads.unchanged },
    regions: { added: d.regions.added.map((r) => r.baseAddress), removed: d.regions.removed.map((r) => r.baseAddress), changed: d.regions.changed.map((c) => [c.baseAddress, c.changes.map((x) => x.field)]), unchanged: d.regions.unchanged },
    modules: { added: d.modules.added.map((m) => m.imageBase), removed: d.modules.removed.map((m) => m.imageBase), changed: d.modules.changed.length, unchanged: d.modules.unchanged },
    counters: d.counters,
  }
}

describe('a redacted pair', () => {
  it('diffs the same as the original pair, names aside', async () => {
    const before = baseSnapshot()
    const after = clone(before)
    injectChanges(after)
    const a = await open(await snapshotBytes(before))
    const b = await open(await snapshotBytes(after))
    const original = diffArchives(a, b)
    const redacted = diffArchives(await open(await redactBytes(a)), await open(await redactBytes(b)))
    expect(shape(redacted)).toEqual(shape(original))
    expect(original.handles.added.length).toBeGreaterThan(0)
    // And the names it reports are the pseudonyms of the original ones.
    const plan = await planRedaction(b, { key: KEY, redactedAt: AT })
    const back = plan.map().names
    expect(redacted.handles.added.map((h) => (h.objectName === undefined ? undefined : back[h.objectName] ?? h.objectName))).toEqual(original.handles.added.map((h) => h.objectName))
    expect(redacted.modules.added.map((m) => back[m.path] ?? m.path)).toEqual(original.modules.added.map((m) => m.path))
  })

  it('redacted under different keys no longer matches by name', async () => {
    const s = baseSnapshot()
    const a = await open(await snapshotBytes(s))
    const d = diffArchives(await open(await redactBytes(a)), await open(await redactBytes(a, { key: OTHER_KEY })))
    expect(d.handles.added.length).toBeGreaterThan(0)
    expect(d.handles.added.length).toBe(d.handles.removed.length)
  })
})
