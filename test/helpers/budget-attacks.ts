// Hostile archives of issue 18 item 3, built at test time with the hand-written builder: every frame, length
// and CRC is valid, the content is what costs. Each is small on disk (a few KiB to a few hundred) and
// declares honestly what it decodes to, so the budget "150 MB + 4 × decoded bytes" is about what a reader
// does with the content, not with lying lengths (those are the corpus's and the bomb test's).
import { deflateSync } from 'node:zlib'
import { ArchiveBuilder, Kind, concatBytes, encode, minimalArchiveExpected as X, mp } from './build-archive.js'

const HEADER = { producer: X.header.producer, host: X.header.host, target: X.header.target, capture: X.header.capture }
const ascii = (s: string) => new TextEncoder().encode(s)

function arrayHeader(n: number): Uint8Array {
  const out = new Uint8Array(5)
  out[0] = 0xdd
  new DataView(out.buffer).setUint32(1, n)
  return out
}

/** A deflate frame of `payload`, declaring its true decoded length. */
function deflated(b: ArchiveBuilder, kind: number, payload: Uint8Array): ArchiveBuilder {
  return b.frame({ kind, codec: 1, payload: new Uint8Array(deflateSync(payload, { level: 9 })), decodedLength: payload.length })
}

/** An epilogue whose unknown key `future` holds `n` empty maps (one byte each). */
export function unknownTinyMaps(n: number): Uint8Array {
  const payload = concatBytes([Uint8Array.of(0x81, 0xa6), ascii('future'), arrayHeader(n), new Uint8Array(n).fill(0x80)])
  return deflated(new ArchiveBuilder().header(HEADER), Kind.EPILOGUE, payload).finish({ trailer: { entryCounts: {} } })
}

/** The same under an unknown key of the header (which every verb decodes). */
export function unknownTinyMapsInHeader(n: number): Uint8Array {
  const payload = encode({ ...HEADER, future: mp.raw(arrayHeader(n), new Uint8Array(n).fill(0x80)) } as never)
  return deflated(new ArchiveBuilder(), Kind.HEADER, payload).finish({ trailer: { entryCounts: {} } })
}

/** `chunks` handles chunks of `perChunk` entries, each backed only by an `objectType` column stored one byte wide. */
export function manyOneByteRows(chunks: number, perChunk: number): Uint8Array {
  const b = new ArchiveBuilder().header(HEADER)
  for (let i = 0; i < chunks; i++) {
    deflated(b, Kind.CHUNK, encode({ section: 'handles', first: i * perChunk, count: perChunk, columns: { objectType: { type: 'u32', data: new Uint8Array(perChunk) } } }))
  }
  return b.finish({ trailer: { entryCounts: { handles: chunks * perChunk } } })
}

/** One handle with `n` columns this reader does not know (`x0`, `x1`, …), each a one-byte u8. */
export function manyUnknownColumns(n: number): Uint8Array {
  const columns: Record<string, unknown> = { handle: { type: 'u64', data: new Uint8Array(8) } }
  for (let i = 0; i < n; i++) columns[`x${i}`] = { type: 'u8', data: Uint8Array.of(i & 0xff) }
  return new ArchiveBuilder().header(HEADER).chunk({ section: 'handles', first: 0, count: 1, columns: columns as never }).finish()
}

/** One handle whose objectName is `length` copies of `char` (deflated: a few hundred KiB on disk). */
export function longName(length: number, char = 'A'): Uint8Array {
  const name = new Uint8Array(length).fill(char.charCodeAt(0))
  const payload = encode({
    section: 'handles',
    first: 0,
    count: 1,
    columns: { handle: { type: 'u64', data: Uint8Array.of(4, 0, 0, 0, 0, 0, 0, 0) }, objectName: { type: 'str', data: Uint8Array.of(1), dict: [mp.strBytes(name)] } },
  } as never)
  return deflated(new ArchiveBuilder().header(HEADER), Kind.CHUNK, payload).finish({ trailer: { entryCounts: { handles: 1 } } })
}

/** One handle whose objectName dictionary lists `n` distinct 3-character strings (4 bytes each), one used. */
export function hugeDictionary(n: number): Uint8Array {
  const strings = new Uint8Array(n * 4)
  for (let i = 0; i < n; i++) strings.set([0xa3, 33 + (i % 90), 33 + (Math.floor(i / 90) % 90), 33 + (Math.floor(i / 8100) % 90)], i * 4)
  const payload = encode({
    section: 'handles',
    first: 0,
    count: 1,
    columns: { handle: { type: 'u64', data: new Uint8Array(8) }, objectName: { type: 'str', data: Uint8Array.of(1), dict: mp.raw(arrayHeader(n), strings) } },
  } as never)
  return deflated(new ArchiveBuilder().header(HEADER), Kind.CHUNK, payload).finish({ trailer: { entryCounts: { handles: 1 } } })
}

/** The sum of the frames' decodedLength: the D of the budget. */
export function decodedBytes(archive: Uint8Array): number {
  const view = new DataView(archive.buffer, archive.byteOffset, archive.byteLength)
  let total = 0
  for (let at = 16; at + 20 <= archive.length; at += 20 + view.getUint32(at + 8, true)) total += view.getUint32(at + 12, true)
  return total
}

/**
 * `chunks` handles chunks of `rows` entries whose objectName is one `length`-byte string, every row
 * referring to it: a few KiB on disk, a terabyte of JSON if every row were written out in full.
 */
export function repeatedLongString(chunks: number, rows: number, length: number): Uint8Array {
  const b = new ArchiveBuilder().header(HEADER)
  const name = new Uint8Array(length).fill(0x41)
  for (let i = 0; i < chunks; i++) {
    const payload = encode({ section: 'handles', first: i * rows, count: rows, columns: { objectName: { type: 'str', data: new Uint8Array(rows).fill(1), dict: [mp.strBytes(name)] } } } as never)
    deflated(b, Kind.CHUNK, payload)
  }
  return b.finish({ trailer: { entryCounts: { handles: chunks * rows } } })
}

/**
 * One chunk of `count` entries of `section` in which every stored field of `fields` is a column one byte wide
 * (numbers 0–255, each row its own; strings an index into a 255-string dictionary of `name`-like ASCII): the
 * most a row costs to render per byte it is backed by. D is `fields.length` bytes a row, plus what the string
 * rows spell out (counted as decoded, spec/ARCHIVE.md §2.4).
 */
export function everyColumnOneByte(section: string, count: number, fields: readonly { name: string; type: 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'str' }[]): Uint8Array {
  const columns: Record<string, unknown> = {}
  for (const { name, type } of fields) {
    const data = new Uint8Array(count)
    for (let i = 0; i < count; i++) data[i] = type === 'str' ? 1 + ((i * 7) % 255) : (i * 37 + name.length) & 0xff
    columns[name] = type === 'str' ? { type, data, dict: oneByteDictionary(name) } : { type, data }
  }
  const b = new ArchiveBuilder().header(HEADER)
  deflated(b, Kind.CHUNK, encode({ section, first: 0, count, columns } as never))
  return b.finish({ trailer: { entryCounts: { [section]: count } } })
}

const oneByteDictionary = (name: string) => Array.from({ length: 255 }, (_, k) => `/usr/lib/x86_64-linux-gnu/lib${name}-${k}.so.6`)

/**
 * What the string rows of everyColumnOneByte spell out beyond their dictionaries, which the reader counts as
 * decoded bytes too (spec/ARCHIVE.md §2.4): each row's string with its MessagePack header, less the stored
 * dictionary. Its D is decodedBytes(archive) plus this.
 */
export function everyColumnOneByteExcess(count: number, fields: readonly { name: string; type: string }[]): number {
  const size = (s: string) => {
    const n = new TextEncoder().encode(s).length
    return n + (n < 32 ? 1 : n < 256 ? 2 : 3)
  }
  let excess = 0
  for (const { name, type } of fields) {
    if (type !== 'str') continue
    const dict = oneByteDictionary(name).map(size)
    let spelled = 0
    for (let i = 0; i < count; i++) spelled += dict[(i * 7) % 255]!
    excess += spelled - dict.reduce((a, b) => a + b, 0)
  }
  return excess
}

/**
 * `n` handles of one identity (handle 4, one typeName, one objectName) whose typeName is `typeName`: two of
 * these with different type names diff as n removed and n added (the hostile fuzzer's equalKeys case, seed
 * 9104500, whose lists peaked over the budget). grantedAccess and handleCount vary by row.
 */
export function oneIdentityHandles(n: number, typeName: string): Uint8Array {
  const index = new Uint8Array(n).fill(1)
  const varying = (k: number) => Uint8Array.from({ length: n }, (_, i) => (i * k) & 0xff)
  const columns = {
    handle: { type: 'u64', data: new Uint8Array(n).fill(4) },
    objectType: { type: 'u32', data: new Uint8Array(n).fill(5) },
    typeName: { type: 'str', data: index, dict: [typeName] },
    objectName: { type: 'str', data: index, dict: [ONE_IDENTITY_NAME] },
    grantedAccess: { type: 'u32', data: varying(7) },
    handleCount: { type: 'u32', data: varying(13) },
  }
  const b = new ArchiveBuilder().header(HEADER)
  deflated(b, Kind.CHUNK, encode({ section: 'handles', first: 0, count: n, columns } as never))
  return b.finish({ trailer: { entryCounts: { handles: n } } })
}

const ONE_IDENTITY_NAME = '\\Device\\HarddiskVolume3\\Windows\\System32\\en-US\\kernel32.dll.mui'

/** What oneIdentityHandles' rows spell out beyond its two one-string dictionaries (counted as decoded, §2.4). */
export function oneIdentityHandlesExcess(n: number, typeName: string): number {
  const size = (s: string) => {
    const b = new TextEncoder().encode(s).length
    return b + (b < 32 ? 1 : b < 256 ? 2 : 3)
  }
  return (n - 1) * (size(typeName) + size(ONE_IDENTITY_NAME))
}

/**
 * `n` handles whose typeName is `File` but for the first, 300 invisible tag characters (each shown as the
 * 9-character `\u{e0041}`): padding every row to that one cell made a 2.4 GB table from a 2.5 KB archive.
 */
export function oneWideCell(n: number): Uint8Array {
  const index = new Uint8Array(n).fill(1)
  index[0] = 2
  const columns = { typeName: { type: 'str', data: index, dict: ['File', '\u{e0041}'.repeat(300)] }, objectName: { type: 'str', data: new Uint8Array(n).fill(1), dict: ['x'] } }
  const b = new ArchiveBuilder().header(HEADER)
  deflated(b, Kind.CHUNK, encode({ section: 'handles', first: 0, count: n, columns } as never))
  return b.finish({ trailer: { entryCounts: { handles: n } } })
}
