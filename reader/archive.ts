// An opened archive: header, query results, sections, epilogue and every diagnostic found while reading.
import {
  decodeArchiveEvents,
  type ArchiveHeader,
  type AuxiliaryPageEntry,
  type ByteInput,
  type CaptureError,
  type DecodeOptions,
  type DecodedChunk,
  type Diagnostic,
  type Epilogue,
  type FrameInfo,
  type HandleEntry,
  type ThreadEntry,
  type Trailer,
  type UnknownContent,
  type VaSpaceEntry,
  ArchiveError,
} from '../format/index.js'
import { Section } from './section.js'

export interface OpenOptions extends DecodeOptions {
  /** Throw on the first error diagnostic instead of opening what is intact (default false). */
  strict?: boolean
}

export class Archive {
  constructor(
    readonly version: { readonly major: number; readonly minor: number },
    readonly header: ArchiveHeader,
    readonly epilogue: Epilogue | undefined,
    readonly trailer: Trailer | undefined,
    readonly frames: readonly FrameInfo[],
    readonly diagnostics: readonly Diagnostic[],
    readonly unknown: UnknownContent,
    readonly byteLength: number,
    private readonly chunks: ReadonlyMap<string, readonly DecodedChunk[]>,
  ) {
    this.handles = new Section('handles', chunks.get('handles') ?? [])
    // Contexts whose chunk names no architecture have the target's, else the host's (spec §6.2).
    this.threads = new Section('threads', chunks.get('threads') ?? [], header.target.architecture ?? header.host.architecture)
    this.vaSpace = new Section('vaSpace', chunks.get('vaSpace') ?? [])
    this.auxiliaryPages = new Section('auxiliaryPages', chunks.get('auxiliaryPages') ?? [])
  }

  readonly handles: Section<HandleEntry>
  readonly threads: Section<ThreadEntry>
  readonly vaSpace: Section<VaSpaceEntry>
  readonly auxiliaryPages: Section<AuxiliaryPageEntry>

  /** A section by its archive name. */
  section(name: string): Section<object> | undefined {
    switch (name) {
      case 'handles': return this.handles
      case 'threads': return this.threads
      case 'vaSpace': return this.vaSpace
      case 'auxiliaryPages': return this.auxiliaryPages
      default: return undefined
    }
  }

  /** Sections present in the archive (listed by the trailer or holding chunks). */
  get sectionNames(): string[] {
    const names = new Set([...Object.keys(this.trailer?.entryCounts ?? {}), ...this.chunks.keys()])
    return ['handles', 'threads', 'vaSpace', 'auxiliaryPages'].filter((n) => names.has(n))
  }

  /** True when nothing of error severity was found. */
  get ok(): boolean {
    return !this.diagnostics.some((d) => d.severity === 'error')
  }

  get captureErrors(): readonly CaptureError[] {
    return this.epilogue?.captureErrors ?? []
  }

  /**
   * Architecture of the thread CONTEXT records when they all share one (spec §6.2: each chunk's own, else the
   * target's, else the host's); undefined when chunks differ (see `threads.contextArchitectures`; each
   * context value carries its own, which register decoding uses).
   */
  get contextArchitecture(): string | undefined {
    const all = this.threads.contextArchitectures
    if (all.length > 1) return undefined
    return all[0] ?? this.header.target.architecture ?? this.header.host.architecture
  }
}

/** Reads a whole archive from bytes or a byte stream. See OpenOptions for damaged input. */
export async function decodeArchive(input: ByteInput, options: OpenOptions = {}): Promise<Archive> {
  let header: ArchiveHeader | undefined
  let version = { major: 0, minor: 0 }
  let epilogue: Epilogue | undefined
  let trailer: Trailer | undefined
  const frames: FrameInfo[] = []
  const diagnostics: Diagnostic[] = []
  const chunks = new Map<string, DecodedChunk[]>()
  let unknown: UnknownContent = { frameKinds: {}, sections: [], fields: [] }
  let byteLength = 0
  const events = decodeArchiveEvents(input, options)
  for await (const e of events) {
    switch (e.type) {
      case 'header':
        header = e.header
        version = e.version
        break
      case 'chunk': {
        const list = chunks.get(e.chunk.section) ?? []
        list.push(e.chunk)
        chunks.set(e.chunk.section, list)
        break
      }
      case 'epilogue':
        epilogue = e.epilogue
        break
      case 'trailer':
        trailer = e.trailer
        break
      case 'frame':
        frames.push(e.frame)
        break
      case 'end':
        unknown = e.unknown
        byteLength = e.byteLength
        break
      case 'diagnostic':
        diagnostics.push(e.diagnostic)
        if (options.strict && e.diagnostic.severity === 'error') {
          throw new ArchiveError(e.diagnostic.code, e.diagnostic.message, { ...(e.diagnostic.offset === undefined ? {} : { offset: e.diagnostic.offset }), diagnostics })
        }
        break
    }
  }
  // The decoder throws before yielding anything else if there is no header, so this is a safeguard only.
  if (!header) throw new ArchiveError('MISSING_HEADER', 'the archive has no header frame', { diagnostics })
  return new Archive(version, header, epilogue, trailer, frames, diagnostics, unknown, byteLength, chunks)
}
