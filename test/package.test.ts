// Package invariants a publisher would otherwise find out about from users (STYLE.md §6.15).
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  name: string
  type: string
  bin: Record<string, string>
  exports: Record<string, string | Record<string, string>>
  engines: { node: string }
  files: string[]
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

describe('package.json', () => {
  it('is an ESM package named pssnap with its bin', () => {
    expect(pkg.name).toBe('pssnap')
    expect(pkg.type).toBe('module')
    expect(Object.keys(pkg.bin)).toEqual(['pssnap'])
    expect(pkg.engines.node).toBe('>=20')
  })

  it('lists types first in every export condition, and every target exists after the build', () => {
    for (const [entry, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(Object.keys(target)[0], entry).toBe('types')
      for (const file of Object.values(target)) expect(existsSync(file), `${entry} → ${file}`).toBe(true)
    }
    expect(existsSync(pkg.bin.pssnap!)).toBe(true)
  })

  it('exports the platform-free reader at ".", file helpers at "./node", capture at "./capture"', () => {
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './node', './capture']))
  })

  it('keeps runtime dependencies to the chosen ones, and pins dev dependencies exactly', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['koffi', 'msgpackr', 'yargs', 'zod'])
    for (const [name, range] of Object.entries(pkg.devDependencies)) expect(range, name).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('ships the spec with the code', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'spec/ARCHIVE.md', 'spec/JSON.md']))
  })
})
