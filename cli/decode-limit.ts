// `--max-decoded`: the limit on decoded payload bytes (spec/ARCHIVE.md §2.4) for every archive one run of
// the CLI reads. Its own small module so that parsing the option does not load the reader.

let maxDecodedBytes: number | undefined

/** What `--max-decoded` set for every archive this run reads (spec/ARCHIVE.md §2.4; default 1 GiB). */
export function cliDecodeOptions(): { maxDecodedBytes?: number } {
  return maxDecodedBytes === undefined ? {} : { maxDecodedBytes }
}

/**
 * `--max-decoded <size>`: bytes, or a number with a binary unit (`512M`, `2G`, `2GiB`, `64k`). Sets the
 * limit for the run and returns it (yargs' coerce: a bad size is a usage error).
 */
export function setMaxDecoded(text: unknown): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(String(text))
  if (!m) throw new Error(`--max-decoded: '${String(text)}' is not a size (bytes, or a number with k, M, G or T: 512M, 2G)`)
  const unit = m[2] ? 1024 ** ('kmgt'.indexOf(m[2].toLowerCase()) + 1) : 1
  const bytes = Math.floor(Number(m[1]) * unit)
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`--max-decoded: '${String(text)}' must be at least 1 byte`)
  maxDecodedBytes = bytes
  return bytes
}
