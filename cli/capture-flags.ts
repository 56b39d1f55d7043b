// `pssnap capture --flags`: PSS_CAPTURE_FLAGS as a number (`0x4c0800d`) or names joined by `|` or `,`, with or
// without the `PSS_` prefix (`CAPTURE_HANDLES|CAPTURE_HANDLE_NAME_INFORMATION`, `PSS_CAPTURE_THREADS`).
import { PSS_CAPTURE_FLAGS } from '../format/names.js'
import { CliError } from './io.js'

const VALUES = PSS_CAPTURE_FLAGS.values as Readonly<Record<string, number>>

export function parseCaptureFlags(text: string): number {
  const t = text.trim()
  if (/^(0x[0-9a-f]+|\d+)$/i.test(t)) {
    const v = Number(t)
    if (v <= 0xffffffff) return v >>> 0
  }
  let flags = 0
  for (const part of t.split(/[|,]/)) {
    const name = part.trim().toUpperCase()
    const value = VALUES[name] ?? VALUES[`PSS_${name}`]
    if (value === undefined || name === '') {
      throw new CliError('BAD_FLAGS', `'${part.trim()}' is not a PSS_CAPTURE_FLAGS name or a 32-bit number; names: ${Object.keys(VALUES).map((n) => n.replace(/^PSS_/, '')).join(', ')}`)
    }
    flags |= value
  }
  return flags >>> 0
}
