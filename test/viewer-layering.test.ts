// DESIGN §8: viewer/ is browser code built on the reader (one parser); nothing imports it back.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const IMPORT = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm
const sources = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : /\.ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [join(dir, d.name)] : []))
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!)

describe('viewer layering', () => {
  it.each(sources('viewer'))('%s imports only the reader, its own modules, uplot and d3-hierarchy', (file) => {
    for (const spec of imports(file)) expect(spec, `${file} imports ${spec}`).toMatch(/^\.\.\/reader\/|^\.\/|^uplot$|^d3-hierarchy$/)
  })

  it('finds the imports it checks', () => {
    expect(imports('viewer/main.ts')).toEqual(expect.arrayContaining(['../reader/section.js', './address-space.js', './trend-view.js']))
    expect(imports('viewer/trend-view.ts')).toContain('uplot')
  })

  it('format/, reader/ and cli/ import nothing from viewer/ (cli reads its built bundle)', () => {
    for (const file of [...sources('format'), ...sources('reader'), ...sources('cli')]) for (const spec of imports(file)) expect(spec, file).not.toMatch(/viewer\//)
  })
})
