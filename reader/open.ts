// Opening archives from whatever a program holds: bytes, a Blob (browser File), a web ReadableStream or
// any async iterable of byte chunks. File paths are the Node entry's job (reader/node.ts).
import type { ByteInput } from '../format/index.js'
import { decodeArchive, type Archive, type OpenOptions } from './archive.js'

export type ArchiveSource = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>

/** Normalises any supported source to what the decoder reads. */
export async function toByteInput(source: ArchiveSource): Promise<ByteInput> {
  if (source instanceof Uint8Array) return source
  if (source instanceof ArrayBuffer) return new Uint8Array(source)
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer())
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return readableToIterable(source)
  if (source && typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function') return source as AsyncIterable<Uint8Array>
  throw new TypeError('openArchive: expected a Uint8Array, ArrayBuffer, Blob, ReadableStream or async iterable of Uint8Array')
}

async function* readableToIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  // getReader() rather than async iteration: not every browser makes ReadableStream iterable yet.
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * Opens an archive. Damage that leaves the rest readable becomes `archive.diagnostics` (or an error with
 * `strict: true`); an input that is not an archive, a newer major version or a damaged header throws
 * ArchiveError with a stable `code`.
 */
export async function openArchive(source: ArchiveSource, options: OpenOptions = {}): Promise<Archive> {
  return decodeArchive(await toByteInput(source), options)
}
