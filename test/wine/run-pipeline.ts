// Entry of the Wine run, bundled into one .js by test/wine/app.ts and run by the Windows build of Node:
//   node run-pipeline.js <fake DLL> <result JSON file>
// Runs every case of test/pipeline-cases.ts against the DLL (through the binding's explicit library option:
// Wine's own kernel32 exports no Pss* function) and writes what happened to the result file, because Windows
// Node under Wine cannot write to a pipe: the orchestrator (test/wine.test.ts) reads the file, not stdout.
import { renameSync, writeFileSync } from 'node:fs'
import { release } from 'node:os'
import { closePipelineContext, openPipelineContext, PIPELINE_CASES, runPipelineCase, type LiveCounts, type PipelineContext } from '../pipeline-cases.js'

export interface WineCaseResult {
  name: string
  ok: boolean
  /** The failure's stack (or message), when not ok. */
  error?: string
  liveAfter: LiveCounts
  ms: number
}

export interface WineRunResult {
  runtime: { node: string; platform: string; arch: string; osRelease: string; koffi: string | undefined }
  /** Set when the fake could not even be loaded; `cases` is then empty. */
  setupError?: string
  cases: WineCaseResult[]
}

const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error))

async function main(): Promise<number> {
  const [library, resultFile] = process.argv.slice(2)
  if (!library || !resultFile) {
    process.stderr.write('usage: node run-pipeline.js <fake DLL> <result JSON file>\n')
    return 2
  }
  const result: WineRunResult = {
    runtime: { node: process.version, platform: process.platform, arch: process.arch, osRelease: release(), koffi: undefined },
    cases: [],
  }
  let ctx: PipelineContext | undefined
  try {
    ctx = await openPipelineContext(library)
    result.runtime.koffi = ctx.koffi.version
  } catch (error) {
    result.setupError = describe(error)
  }
  if (ctx) {
    for (const c of PIPELINE_CASES) {
      const outcome = await runPipelineCase(ctx, c)
      const ok = outcome.error === undefined
      result.cases.push({ name: outcome.name, ok, ...(ok ? {} : { error: describe(outcome.error) }), liveAfter: outcome.liveAfter, ms: outcome.ms })
    }
    closePipelineContext(ctx)
  }
  // Temporary name, then rename: a run killed half way leaves no half-written result.
  writeFileSync(`${resultFile}.tmp`, JSON.stringify(result, null, 2))
  renameSync(`${resultFile}.tmp`, resultFile)
  return !result.setupError && result.cases.every((c) => c.ok) ? 0 : 1
}

process.exitCode = await main()
