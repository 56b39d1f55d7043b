// Soft capture errors (spec/ARCHIVE.md §8 `captureErrors`): a thread or fd that vanished mid-walk, a file
// that could not be read. Recorded and skipped; the capture goes on.
import type { CaptureError } from '../../format/index.js'
import { errnoOf } from './proc.js'

export class SoftErrors {
  readonly list: CaptureError[] = []
  add(section: string, operation: string, path: string, error: unknown, what: string): void {
    const e = errnoOf(error)
    this.list.push({ section, operation, code: e.code, name: e.name, message: `${path}: ${e.message}; ${what}` })
  }
}
