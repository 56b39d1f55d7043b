// The rule behind "committed" per platform (reader/committed.ts, spec/LINUX.md §4.1), joined to the Linux
// capture's own translation of `rwxp` (capture/linux/regions.ts): every maps permission string the kernel can
// print is committed exactly when it is private and writable, and only `---p` is a reservation. On the golden
// archives (written before 2026-12-02, every Linux mapping MEM_COMMIT), diff and trend give the Linux figure
// for the Linux one and the MEM_COMMIT sum for the Windows one.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { protectOf, stateOf } from '../capture/linux/regions.js'
import type { Archive } from '../reader/archive.js'
import { committedLabel, committedMeaningOf, isPrivateWritable } from '../reader/committed.js'
import { linuxPerms } from '../reader/linux-perms.js'
import { counterOf, diffArchives } from '../reader/diff.js'
import { openArchiveFile } from '../reader/node.js'
import { trendArchives } from '../reader/trend.js'

const MEM_COMMIT = 0x1000
const MEM_RESERVE = 0x2000
const MEM_PRIVATE = 0x20000
const MEM_MAPPED = 0x40000
const MEM_IMAGE = 0x1000000

const ALL_PERMS = ['r', '-'].flatMap((r) => ['w', '-'].flatMap((w) => ['x', '-'].flatMap((x) => ['p', 's'].map((ps) => `${r}${w}${x}${ps}`))))

describe('the Linux rule', () => {
  it('a file mapping (mapped or image) is committed exactly when private and writable', () => {
    for (const perms of ALL_PERMS) {
      for (const type of [MEM_MAPPED, MEM_IMAGE]) expect(isPrivateWritable(protectOf(perms, true), type), `${perms} ${type}`).toBe(perms[1] === 'w' && perms[3] === 'p')
    }
  })

  it('anonymous memory (always private: shared anonymous memory is the file /dev/zero) is committed exactly when writable', () => {
    for (const perms of ALL_PERMS.filter((p) => p.endsWith('p'))) expect(isPrivateWritable(protectOf(perms, false), MEM_PRIVATE), perms).toBe(perms[1] === 'w')
  })

  it('only ---p is a reservation', () => {
    for (const perms of ALL_PERMS) expect(stateOf(perms), perms).toBe(perms === '---p' ? MEM_RESERVE : MEM_COMMIT)
  })

  it('perms shown for tables: rwx as stored (write-only reads as read-write), p/s never wrong, ? only where the columns cannot tell', () => {
    for (const perms of ALL_PERMS) {
      const rwx = `${perms[1] === 'w' ? 'r' : perms[0]}${perms.slice(1, 3)}`
      for (const [file, type] of [[true, MEM_MAPPED], [true, MEM_IMAGE], [false, MEM_PRIVATE]] as const) {
        if (!file && perms[3] === 's') continue // shared anonymous memory is a file (/dev/zero)
        const shown = linuxPerms(protectOf(perms, file), type, stateOf(perms))!
        expect(shown.slice(0, 3), `${perms} ${type}`).toBe(rwx)
        const sharing = shown[3]
        if (type === MEM_IMAGE && perms[1] !== 'w' && perms !== '---s') expect(sharing, perms).toBe('p') // inferred: loaders map images private
        else if (sharing !== '?') expect(sharing, `${perms} ${type}`).toBe(perms[3])
        else expect(file && perms[1] !== 'w', `? for ${perms} ${type}`).toBe(true)
      }
    }
    expect(linuxPerms(0x104, MEM_PRIVATE, MEM_COMMIT)).toBeUndefined() // PAGE_GUARD: not a Linux value
  })

  it('names the counter by platform', () => {
    expect(committedLabel('private-writable')).toBe('committed (private writable)')
    expect(committedLabel('mem-commit')).toBe('committed')
  })
})

function sums(archive: Archive): { privateWritable: bigint; memCommit: bigint } {
  let privateWritable = 0n
  let memCommit = 0n
  for (const r of archive.vaSpace) {
    if (r.protect !== undefined && r.type !== undefined && isPrivateWritable(r.protect, r.type)) privateWritable += r.regionSize ?? 0n
    if (r.state === MEM_COMMIT) memCommit += r.regionSize ?? 0n
  }
  return { privateWritable, memCommit }
}

describe('golden archives', () => {
  it('Linux (every mapping stored MEM_COMMIT): committed is the private writable bytes, below the MEM_COMMIT sum', async () => {
    const a = await openArchiveFile(join('spec', 'fixtures', 'linux-small.pssnap'))
    expect(committedMeaningOf(a)).toBe('private-writable')
    const { privateWritable, memCommit } = sums(a)
    expect(privateWritable).toBeGreaterThan(0n)
    expect(privateWritable).toBeLessThan(memCommit)
    const d = diffArchives(a, a)
    expect(counterOf(d, 'committed')).toMatchObject({ before: privateWritable, after: privateWritable })
    const t = trendArchives([a, a])
    expect(t.committedMeaning).toBe('private-writable')
    expect(t.totals.find((s) => s.metric === 'committed')!.values).toEqual([Number(privateWritable), Number(privateWritable)])
  })

  it('Windows: committed is the MEM_COMMIT sum, as before', async () => {
    const a = await openArchiveFile(join('spec', 'fixtures', 'small.pssnap'))
    expect(committedMeaningOf(a)).toBe('mem-commit')
    const { memCommit } = sums(a)
    expect(counterOf(diffArchives(a, a), 'committed')).toMatchObject({ before: memCommit, after: memCommit })
    const t = trendArchives([a, a])
    expect(t.committedMeaning).toBe('mem-commit')
    expect(t.totals.find((s) => s.metric === 'committed')!.values).toEqual([Number(memCommit), Number(memCommit)])
  })
})
