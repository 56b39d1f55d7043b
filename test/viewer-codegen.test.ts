// Under a Content-Security-Policy without 'unsafe-eval' every `new Function` is refused and reported as a
// violation. The reader tries code generation once and remembers the answer (it used to try once per chunk:
// 113 reports on one page); a page that knows it cannot (the viewer) says so first and is never refused.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeArchive, entryToJson } from '../reader/index.js'
import { setCodeGeneration } from '../reader/section.js'

const RealFunction = globalThis.Function

/** A `Function` that refuses like a CSP does (EvalError), counting every attempt. */
function refusingFunction(): { attempts: () => number } {
  let attempts = 0
  const refusing = new Proxy(RealFunction, {
    construct() {
      attempts++
      throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source")
    },
    apply() {
      attempts++
      throw new EvalError('refused')
    },
  })
  globalThis.Function = refusing
  return { attempts: () => attempts }
}

/** Every row of every section of the small fixture (several chunks per section) as JSON. */
async function everyRow(): Promise<{ rows: unknown[]; chunks: number }> {
  const archive = await decodeArchive(new Uint8Array(readFileSync('spec/fixtures/small.pssnap')))
  const rows: unknown[] = []
  for (const name of archive.sectionNames) for (const e of archive.section(name)!) rows.push(entryToJson(name, e))
  return { rows, chunks: archive.frames.filter((f) => f.kind === 2).length }
}

describe('code generation under a CSP', () => {
  afterEach(() => {
    globalThis.Function = RealFunction
    setCodeGeneration(undefined)
  })

  it('is probed once, not per chunk, and the rows are the same without it', async () => {
    const generated = await everyRow()
    expect(generated.chunks).toBeGreaterThan(4)
    setCodeGeneration(undefined)
    const refusing = refusingFunction()
    const generic = await everyRow()
    expect(refusing.attempts()).toBe(1)
    expect(generic.rows).toEqual(generated.rows)
  })

  it('is not tried at all when the page says it cannot', async () => {
    setCodeGeneration(false)
    const refusing = refusingFunction()
    await everyRow()
    expect(refusing.attempts()).toBe(0)
  })
})
