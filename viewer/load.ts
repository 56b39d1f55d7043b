// Where the viewer's archives come from: embedded in the page (pssnap report), `?url=` (pssnap view, or a
// page served beside archives), a file picker or a drop. Nothing is sent anywhere; bytes are read locally.
import { openArchive, type Archive } from '../reader/index.js'

export interface Loaded {
  /** A file name, for people (escaped when shown). */
  readonly name: string
  readonly archive?: Archive
  /** Why it could not be opened: `CODE - message`. */
  readonly error?: string
}

/** The MIME type of the data blocks `pssnap report` writes: base64 of the archive's bytes. */
export const EMBEDDED_TYPE = 'application/x-pssnap+base64'

export async function openBytes(name: string, bytes: Uint8Array | Blob): Promise<Loaded> {
  try {
    return { name, archive: await openArchive(bytes) }
  } catch (e) {
    const code = (e as { code?: unknown }).code
    return { name, error: `${typeof code === 'string' ? code : 'ERROR'} - ${e instanceof Error ? e.message : String(e)}` }
  }
}

function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64.replace(/\s+/g, ''))
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** Decoded bytes allowed out of one gzipped block: the reader's own default budget (1 GiB). */
export const MAX_GUNZIPPED = 1024 * 1024 * 1024

/** gunzip with DecompressionStream, refusing more than `max` bytes out (a page from a stranger may hold a bomb). */
export async function gunzip(bytes: Uint8Array<ArrayBuffer>, max = MAX_GUNZIPPED): Promise<Uint8Array> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader()
  const parts: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > max) {
      await reader.cancel()
      throw Object.assign(new Error(`an embedded archive inflates past ${max} bytes`), { code: 'TOO_LARGE' })
    }
    parts.push(value)
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Archives embedded as `<script type="application/x-pssnap+base64" data-name="…" [data-encoding="gzip"]>` blocks. */
export async function embedded(doc: Document): Promise<Loaded[]> {
  const blocks = Array.from(doc.querySelectorAll(`script[type="${EMBEDDED_TYPE}"]`))
  return Promise.all(
    blocks.map(async (b, i) => {
      const name = b.getAttribute('data-name') ?? `archive ${i + 1}`
      const raw = fromBase64(b.textContent ?? '')
      try {
        return await openBytes(name, b.getAttribute('data-encoding') === 'gzip' ? await gunzip(raw) : raw)
      } catch (e) {
        const code = (e as { code?: unknown }).code
        return { name, error: `${typeof code === 'string' ? code : 'BAD_EMBEDDING'} - ${e instanceof Error ? e.message : String(e)}` }
      }
    }),
  )
}

/** `?url=a.pssnap&url=b.pssnap`: fetched from the page's own origin (the CSP allows nothing else). */
export async function fromUrls(search: string): Promise<Loaded[]> {
  const urls = new URLSearchParams(search).getAll('url')
  return Promise.all(
    urls.map(async (u) => {
      const last = u.split('/').pop() ?? u
      let name = last
      try {
        name = decodeURIComponent(last)
      } catch {
        // a malformed escape: shown as it is
      }
      try {
        const response = await fetch(u)
        if (!response.ok) return { name, error: `HTTP_${response.status} - cannot fetch ${u}` }
        return openBytes(name, new Uint8Array(await response.arrayBuffer()))
      } catch (e) {
        return { name, error: `FETCH_FAILED - ${e instanceof Error ? e.message : String(e)}` }
      }
    }),
  )
}

export async function fromFiles(files: ArrayLike<File>): Promise<Loaded[]> {
  return Promise.all(Array.from(files).map((f) => openBytes(f.name, f)))
}
