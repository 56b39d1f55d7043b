// `pssnap redact`: an archive rewritten for sharing. Names (machine, users, object names, file paths,
// thread names) become keyed pseudonyms with their shape kept (names.ts), raw memory (thread contexts,
// page contents) is dropped unless asked for, everything numeric stays, and the header records what was
// done. Platform-free: the caller supplies the archive and the sink (reader/node.ts writes files).
// The table of what each field becomes is spec/REDACTION.md.
import {
  ArchiveWriter,
  FORMAT_MINOR,
  SECTIONS,
  type ArchiveHeaderInput,
  type ByteSink,
  type Epilogue,
  type FieldSpec,
  type Redaction,
  type SectionName,
  type WriterOptions,
  type WriteSummary,
} from '../../format/index.js'
import type { Archive } from '../archive.js'
import { NameRedactor, profileUsers } from './names.js'
import { PseudonymMaker, randomRedactionKey } from './pseudonyms.js'
import { scrubText } from './scrub.js'
import { ipPseudonym, redactMappingLabel, linuxAccountNames, linuxProcessNames, redactLinuxProcess, SOCKET_ADDRESS_FIELDS } from './linux.js'

/** The method recorded in `header.redaction.method`; `+modules` and `+random-key` are appended when they apply. */
export const REDACTION_METHOD = 'pssnap-hmac-sha256/1'

/** Text fields that name no one: kept as they are. Every other text field, known or added later, is redacted. */
const KEPT_TEXT = new Set(['handles.typeName', 'handles.linux.socket.family', 'handles.linux.socket.protocol', 'handles.linux.socket.state', 'threads.schedulerState', 'auxiliaryPages.memorySource'])
/** Raw memory: dropped unless kept by an option. Any other blob field (none in 1.0/1.1) is dropped too. */
const CONTEXTS = 'threads.contextRecord'
const PAGES = 'auxiliaryPages.pageContents'
const MEM_IMAGE = 0x1000000

export interface RedactOptions {
  /** The key of the pseudonyms. Absent: 32 random bytes, so pseudonyms match no other run. */
  key?: Uint8Array
  /** Keep thread CONTEXT records (registers). */
  keepContexts?: boolean
  /** Keep auxiliary page contents (raw memory of the process). */
  keepPages?: boolean
  /** Replace module base names (`ntdll.dll`, `libc.so.6`) too. */
  redactModules?: boolean
  /** `header.redaction.redactedAt` (default: now). Fixed, the same input and key give the same bytes. */
  redactedAt?: string | Date
  /** Frame compression of the output (default: as the input's chunks). */
  compression?: 'none' | 'deflate'
}

export type RedactErrorCode = 'REDACT_INPUT_DAMAGED' | 'REDACT_KEY'

export class RedactError extends Error {
  override name = 'RedactError'
  constructor(
    readonly code: RedactErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface RedactionSummary {
  readonly redaction: Redaction
  /** The key was generated: pseudonyms match no other archive. */
  readonly randomKey: boolean
  /** Distinct names replaced (whole values: paths, object names, thread names). */
  readonly names: number
  /** Distinct pseudonyms made (components, users, machine, SID parts). */
  readonly pseudonyms: number
  /** User names found in profile paths (how many, never which). */
  readonly users: number
  readonly contextsDropped: number
  readonly pagesDropped: number
  /** Content of the input this reader does not know, not carried over (so it cannot leak). */
  readonly dropped: readonly string[]
  /** Pseudonym prefixes that collided within this archive and were lengthened (expected: 0). */
  readonly collisions: number
}

/** `--map`: pseudonym → original. Whoever holds it can undo the redaction. */
export interface RedactionMap {
  readonly schema: 'pssnap.redaction-map/1'
  readonly warning: string
  readonly method: string
  readonly redactedAt: string
  /** Whole redacted values → originals. */
  readonly names: Record<string, string>
  /** Pseudonyms of single components, users, the machine and SID identifiers → originals. */
  readonly parts: Record<string, string>
}

export interface RedactionPlan {
  readonly header: ArchiveHeaderInput
  readonly epilogue: Epilogue | undefined
  readonly writerOptions: WriterOptions
  /** Adds every redacted entry to a writer begun with `header`. */
  fill(writer: ArchiveWriter): Promise<void>
  readonly summary: RedactionSummary
  map(): RedactionMap
}

interface FieldPath {
  readonly name: string
  readonly path: readonly string[]
  readonly spec: FieldSpec
}

/** Every field of a section with its path in a row object (sparse members under their group). */
function fieldsOf(section: SectionName): FieldPath[] {
  const layout = SECTIONS[section]
  const out: FieldPath[] = []
  for (const [name, spec] of Object.entries(layout.columns as Record<string, FieldSpec>)) out.push({ name: `${section}.${name}`, path: name.split('.'), spec })
  for (const [group, fields] of Object.entries(layout.sparse as Record<string, Record<string, FieldSpec>>)) {
    for (const [name, spec] of Object.entries(fields)) out.push({ name: `${section}.${group}.${name}`, path: [...group.split('.'), name], spec })
  }
  return out
}

function getPath(row: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = row
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[p]
  }
  return v
}

function setPath(row: Record<string, unknown>, path: readonly string[], value: string): void {
  let o: Record<string, unknown> = row
  for (let i = 0; i < path.length - 1; i++) o = o[path[i]!] as Record<string, unknown>
  o[path[path.length - 1]!] = value
}

const baseName = (path: string) => path.replace(/ \(deleted\)$/, '').split(/[\\/]/).pop() ?? ''

const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** Works out every pseudonym of an archive (the async part); `fill` then writes from the result. */
export async function planRedaction(archive: Archive, options: RedactOptions = {}): Promise<RedactionPlan> {
  if (!archive.ok) {
    const first = archive.diagnostics.find((d) => d.severity === 'error')
    throw new RedactError('REDACT_INPUT_DAMAGED', `the archive is damaged (${first?.code}: ${first?.message}); a redacted copy would hide the damage: see 'pssnap validate'`)
  }
  if (options.key !== undefined && options.key.length === 0) throw new RedactError('REDACT_KEY', 'the redaction key is empty')
  const randomKey = options.key === undefined
  const maker = new PseudonymMaker(options.key ?? randomRedactionKey())
  const h = archive.header
  const sections = archive.sectionNames as SectionName[]
  const touched = new Set<string>()

  // Pass 1: the distinct values of every redacted text field, module base names, and the users they reveal.
  const textFields = new Map<SectionName, FieldPath[]>()
  const values = new Set<string>()
  for (const s of sections) {
    const fields = fieldsOf(s).filter((f) => f.spec.dtype === 'str' && !KEPT_TEXT.has(f.name))
    textFields.set(s, fields)
    if (fields.length === 0) continue
    archive.section(s)!.forEach((row) => {
      for (const f of fields) {
        const v = getPath(row as Record<string, unknown>, f.path)
        if (typeof v !== 'string') continue
        values.add(v)
        touched.add(f.name)
      }
    }, topNames(fields))
  }
  const headerPaths = [h.target.imagePath, h.processInformation?.imageFileName].filter((v): v is string => v !== undefined)
  for (const v of headerPaths) values.add(v)
  // Format 1.2 linuxProcess: arguments, directories and cgroup lines are names; its accounts are sensitive.
  for (const v of linuxProcessNames(h.linuxProcess)) values.add(v)
  if (h.linuxProcess) for (const k of ['commandLine', 'workingDirectory', 'rootDirectory', 'cgroup', 'userName', 'effectiveUserName', 'groupName', 'effectiveGroupName'] as const) if (h.linuxProcess[k] !== undefined) touched.add(`linuxProcess.${k}`)
  const moduleNames = new Set<string>(headerPaths.map(baseName))
  archive.vaSpace.forEach((r) => {
    if (r.type === MEM_IMAGE && r.mappedFileName !== undefined) moduleNames.add(baseName(r.mappedFileName))
  }, ['type', 'mappedFileName'])
  moduleNames.delete('')
  const messages = archive.epilogue?.captureErrors?.map((e) => e.message) ?? []
  const users = new Set<string>()
  for (const v of [...values, ...messages]) for (const u of profileUsers(v)) users.add(u)
  for (const u of linuxAccountNames(h.linuxProcess)) users.add(u)
  const machineName = h.host.machineName
  const names = new NameRedactor(maker, {
    ...(machineName !== undefined ? { machineName } : {}),
    moduleNames,
    redactModules: options.redactModules === true,
    sensitive: [...users, ...(machineName !== undefined ? [machineName] : [])],
  })
  for (const v of values) names.redact(v)

  // Header and epilogue: names by the same rule; free text scrubbed.
  if (machineName !== undefined) touched.add('host.machineName')
  if (h.target.imagePath !== undefined) touched.add('target.imagePath')
  if (h.processInformation?.imageFileName !== undefined) touched.add('processInformation.imageFileName')
  const tokens = { users: [...users], ...(machineName !== undefined ? { machineName } : {}) }
  const scrub = (text: string | undefined, field: string) => {
    if (text === undefined) return undefined
    const out = scrubText(text, names, maker, tokens)
    if (out !== text) touched.add(field)
    return out
  }
  const osVersion = scrub(h.host.osVersion, 'host.osVersion')
  const osBuild = scrub(h.host.osBuild, 'host.osBuild')
  const captureErrors = archive.epilogue?.captureErrors?.map((e) => ({ ...e, message: scrub(e.message, 'epilogue.captureErrors.message')! }))

  // Raw memory: every blob field not kept by an option goes.
  const kept = new Set<string>([...(options.keepContexts ? [CONTEXTS] : []), ...(options.keepPages ? [PAGES] : [])])
  const dropFields = new Map<SectionName, string[]>()
  let contextsDropped = 0
  let pagesDropped = 0
  for (const s of sections) {
    const drop = fieldsOf(s).filter((f) => f.spec.dtype === 'bytes' && !kept.has(f.name))
    dropFields.set(s, drop.map((f) => f.path[0]!))
    for (const f of drop) {
      const n = blobCount(archive, s, f.path[0]!)
      if (n > 0) touched.add(f.name)
      if (f.name === CONTEXTS) contextsDropped += n
      if (f.name === PAGES) pagesDropped += n
    }
  }

  const previous = h.redaction
  const method = [REDACTION_METHOD, ...(options.redactModules ? ['modules'] : []), ...(randomKey ? ['random-key'] : [])].join('+')
  const redactedAt = options.redactedAt === undefined ? new Date().toISOString() : typeof options.redactedAt === 'string' ? options.redactedAt : options.redactedAt.toISOString()
  const redaction: Redaction = {
    method,
    redactedAt,
    fields: [...new Set([...(previous?.fields ?? []), ...touched])],
    contextsDropped: (previous?.contextsDropped ?? false) || contextsDropped > 0,
  }

  const header: ArchiveHeaderInput = defined({
    producer: { ...h.producer },
    host: defined({ platform: h.host.platform, architecture: h.host.architecture, osVersion, osBuild, machineName: machineName === undefined ? undefined : names.host(machineName) }),
    target: defined({ processId: h.target.processId, imagePath: h.target.imagePath === undefined ? undefined : names.redacted(h.target.imagePath), architecture: h.target.architecture }),
    capture: { ...h.capture },
    processInformation: h.processInformation && defined({ ...h.processInformation, imageFileName: h.processInformation.imageFileName === undefined ? undefined : names.redacted(h.processInformation.imageFileName) }),
    vaCloneInformation: h.vaCloneInformation,
    auxiliaryPagesInformation: h.auxiliaryPagesInformation,
    vaSpaceInformation: h.vaSpaceInformation,
    handleInformation: h.handleInformation,
    threadInformation: h.threadInformation,
    handleTraceInformation: h.handleTraceInformation,
    performanceCounters: h.performanceCounters,
    redaction,
    linuxProcess: h.linuxProcess && redactLinuxProcess(h.linuxProcess, names, maker),
    // Ids, numbers and a condition over counters (spec/REDACTION.md): kept, so a redacted set still groups.
    captureSet: h.captureSet && { ...h.captureSet },
  })
  const epilogue: Epilogue | undefined = archive.epilogue && defined({ finishedAt: archive.epilogue.finishedAt, timings: archive.epilogue.timings, captureErrors })

  const chunkCodecs = archive.frames.filter((f) => f.kind === 2).map((f) => f.codec)
  const contextArchitecture = archive.threads.contextArchitecture
  const writerOptions: WriterOptions = {
    compression: options.compression ?? (chunkCodecs.includes(1) ? 'deflate' : 'none'),
    ...(contextArchitecture ? { contextArchitecture } : {}),
    // The input's minor: a 1.1 archive keeps its 1.1 columns (a newer minor's unknowns are dropped above).
    // Raised to a later minor's column the input carries although it declares an earlier one (the reader
    // reads it all the same): the output declares the lowest minor holding what it writes.
    formatMinor: Math.min(FORMAT_MINOR, Math.max(archive.version.minor, ...sections.map((s) => minorOfColumns(archive, s)))),
  }

  const summary: RedactionSummary = {
    redaction,
    randomKey,
    names: [...names.names].filter(([a, b]) => a !== b).length,
    pseudonyms: maker.parts.size,
    users: users.size,
    contextsDropped,
    pagesDropped,
    dropped: [
      ...archive.unknown.sections.map((s) => `section ${s}`),
      ...archive.unknown.fields.map((f) => `field ${f}`),
      ...Object.keys(archive.unknown.frameKinds).map((k) => `frames of kind ${k}`),
    ],
    collisions: maker.collisions,
  }

  return {
    header,
    epilogue,
    writerOptions,
    summary,
    async fill(writer) {
      for (const s of sections) {
        writer.declareSection(s)
        const text = textFields.get(s)!
        const drop = new Set(dropFields.get(s)!)
        // Rows are built without the dropped blobs (never copied out of the input at all).
        const top = topNames(fieldsOf(s)).filter((t) => !drop.has(t))
        let flushed: Promise<void> | undefined
        // An IP keeps its family and keyed identity; an abstract unix name keeps its `@`.
        const socketAddress = (v: string) => ipPseudonym(maker, v) ?? (v.startsWith('@') && v.length > 1 ? `@${names.redacted(v.slice(1)) ?? names.redact(v.slice(1))}` : undefined)
        archive.section(s)!.forEach((entry) => {
          const row = entry as Record<string, unknown>
          for (const f of text) {
            const v = getPath(row, f.path)
            // Socket addresses: an IP keeps its family and keyed identity (redacted pairs still pair peers); a unix path is a name.
            if (typeof v !== 'string') continue
            // Details name someone only for a memfd (its name); for eventfd, timerfd, signalfd, inotify they are kernel numbers.
            if (f.name === 'handles.details' && row.typeName !== 'Memfd') continue
            if (f.name === 'vaSpace.mappingLabel') {
              setPath(row, f.path, redactMappingLabel(v, names))
              continue
            }
            setPath(row, f.path, (SOCKET_ADDRESS_FIELDS.has(f.name) ? socketAddress(v) : undefined) ?? names.redacted(v) ?? v)
          }
          // forEach is synchronous: the writer keeps frames in order; its last flush is awaited below.
          flushed = writer.add(s, row as never) ?? flushed
        }, top)
        if (flushed) await flushed
      }
    },
    map() {
      const namesOut: Record<string, string> = {}
      for (const [original, redacted] of names.names) if (original !== redacted) namesOut[redacted] = original
      return {
        schema: 'pssnap.redaction-map/1',
        warning: 'This file undoes the redaction: it maps every pseudonym back to the original name. Keep it private; never attach it next to the archive.',
        method,
        redactedAt,
        names: namesOut,
        parts: Object.fromEntries(maker.parts),
      }
    },
  }
}

/** The latest minor among a section's known columns present in some chunk (0: only 1.0 columns). */
function minorOfColumns(archive: Archive, section: SectionName): number {
  let minor = 0
  for (const [name, spec] of Object.entries(SECTIONS[section].columns as Record<string, FieldSpec>)) {
    if ((spec.since ?? 0) > minor && archive.section(section)!.columns(name).some((c) => c !== undefined)) minor = spec.since!
  }
  return minor
}

/** The top-level row keys that hold these fields (what Section.forEach projects on). */
function topNames(fields: readonly FieldPath[]): string[] {
  return [...new Set(fields.map((f) => f.path[0]!))]
}

/** Entries of a section holding a value in a blob column. */
function blobCount(archive: Archive, section: SectionName, field: string): number {
  let n = 0
  for (const c of archive.section(section)!.columns(field)) {
    if (c?.dtype !== 'bytes') continue
    for (let i = 0; i + 1 < c.offsets.length; i++) if (c.offsets[i + 1]! > c.offsets[i]!) n++
  }
  return n
}

/** Redacts `archive` into `sink` (memory or a stream); reader/node.ts's writeArchiveFile does files. */
export async function redactArchive(
  archive: Archive,
  sink: ByteSink,
  options: RedactOptions = {},
): Promise<{ write: WriteSummary; summary: RedactionSummary; map: () => RedactionMap }> {
  const plan = await planRedaction(archive, options)
  const writer = new ArchiveWriter(sink, plan.writerOptions)
  await writer.begin(plan.header)
  await plan.fill(writer)
  const write = await writer.finish(plan.epilogue)
  return { write, summary: plan.summary, map: () => plan.map() }
}

export { randomRedactionKey }
