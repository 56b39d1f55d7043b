// The Windows capture pipeline end to end on Linux, against the fake PSS library built as a Linux .so: the cases
// of test/pipeline-cases.ts (runner-neutral, shared with the Wine run in test/wine.test.ts), one vitest test
// each. A case fails on its own assertion or, when it passed, on anything it left behind (live snapshots,
// markers or process handles in the fake, temporary files).
import { afterAll, describe, inject, it } from 'vitest'
import { closePipelineContext, openPipelineContext, PIPELINE_CASES, runPipelineCase, type PipelineCase } from './pipeline-cases.js'

// The .so built by the vitest global setup (test/fake-pss/build.ts).
const ctx = await openPipelineContext(inject('fakePssLibrary'))
afterAll(() => closePipelineContext(ctx))

const groups = new Map<string, PipelineCase[]>()
for (const c of PIPELINE_CASES) groups.set(c.group, [...(groups.get(c.group) ?? []), c])

for (const [group, cases] of groups) {
  describe(group, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const outcome = await runPipelineCase(ctx, c)
        if (outcome.error !== undefined) throw outcome.error
      })
    }
  })
}
