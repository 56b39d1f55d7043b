// Writes the golden fixtures of spec/fixtures/ that do not exist yet. Skipped unless
// PSSNAP_WRITE_FIXTURES=1; never overwrites a fixture (released fixtures are never regenerated).
//   PSSNAP_WRITE_FIXTURES=1 npx vitest run test/fixtures.write.test.ts
import { existsSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openArchive } from '../reader/index.js'
import { nodeHooks } from '../reader/node.js'
import { renderArchiveText } from './helpers/render.js'
import { FIXTURES } from './synthetic/fixtures.js'

const DIR = new URL('../spec/fixtures/', import.meta.url)

describe.skipIf(process.env.PSSNAP_WRITE_FIXTURES !== '1')('write golden fixtures', () => {
  for (const recipe of FIXTURES) {
    it(recipe.name, async () => {
      const archivePath = new URL(`${recipe.name}.pssnap`, DIR)
      const jsonPath = new URL(`${recipe.name}.json`, DIR)
      if (existsSync(archivePath) || existsSync(jsonPath)) {
        console.log(`spec/fixtures/${recipe.name}: exists, left as it is`)
        return
      }
      const bytes = await recipe.make(nodeHooks)
      const archive = await openArchive(bytes)
      expect(archive.diagnostics).toEqual([])
      writeFileSync(archivePath, bytes)
      writeFileSync(jsonPath, renderArchiveText(archive))
      console.log(`spec/fixtures/${recipe.name}: written (${bytes.length} bytes)`)
    })
  }
})
