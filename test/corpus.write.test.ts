// Writes the bad-input corpus (test/corpus/) from test/helpers/corpus-recipes.ts. Skipped unless
// PSSNAP_WRITE_CORPUS=1; never overwrites an existing corpus file (delete it to rebuild it), always
// rewrites expectations.json from the recipes.
//   PSSNAP_WRITE_CORPUS=1 npx vitest run test/corpus.write.test.ts
import { existsSync, writeFileSync } from 'node:fs'
import { describe, it } from 'vitest'
import { CORPUS } from './helpers/corpus-recipes.js'

const DIR = new URL('./corpus/', import.meta.url)

describe.skipIf(process.env.PSSNAP_WRITE_CORPUS !== '1')('write the bad-input corpus', () => {
  it('writes missing files and expectations.json', () => {
    for (const recipe of CORPUS) {
      const path = new URL(recipe.file, DIR)
      if (!existsSync(path)) writeFileSync(path, recipe.build())
    }
    const expectations = Object.fromEntries(CORPUS.map((r) => [r.file, r.expect]))
    writeFileSync(new URL('expectations.json', DIR), `${JSON.stringify(expectations, null, 2)}\n`)
  })
})
