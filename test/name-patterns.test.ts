// Name patterns for summaries that scale (issue 11 item 4): digit and hex runs collapsed, runs every name
// shares kept literal, natural order, folder and extension; and linear work on many names.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { extensionOf, folderOf, groupByPattern, namePattern, naturalCompare } from '../reader/name-patterns.js'

describe('namePattern', () => {
  it('collapses numbers, hex ids and digit runs inside words', () => {
    expect(namePattern('/tmp/app/leak-17.log')).toBe('/tmp/app/leak-#.log')
    expect(namePattern('/proc/4242/fd/7')).toBe('/proc/#/fd/#')
    expect(namePattern('socket:[48213]')).toBe('socket:[#]')
    expect(namePattern('\\BaseNamedObjects\\3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('\\BaseNamedObjects\\#-#-#-#-#')
    expect(namePattern('C:\\cache\\blob_00ab12cd.bin')).toBe('C:\\cache\\blob_#.bin')
    expect(namePattern('worker10')).toBe('worker#')
    // Words without digits stay, even when they are hex letters.
    expect(namePattern('/var/cafe/decade.txt')).toBe('/var/cafe/decade.txt')
  })

  it('folder and extension', () => {
    expect(folderOf('/tmp/app/leak-1.log')).toBe('/tmp/app/')
    expect(folderOf('\\Device\\Afd')).toBe('\\Device\\')
    expect(folderOf('socket:[1]')).toBe('')
    expect(extensionOf('/tmp/app/leak-1.log')).toBe('.log')
    expect(extensionOf('/tmp/.hidden')).toBe('')
    expect(extensionOf('/tmp/a.dir/file')).toBe('')
  })
})

describe('naturalCompare', () => {
  it('orders digit runs as numbers, null last', () => {
    const names = ['leak-10.log', 'leak-2.log', 'leak-1.log', null, 'leak-02.log', 'a']
    expect([...names].sort(naturalCompare)).toEqual(['a', 'leak-1.log', 'leak-2.log', 'leak-02.log', 'leak-10.log', null])
  })

  it('is a total order consistent with equality (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-c0-9]{0,6}$/), { maxLength: 20 }), (xs) => {
        const sorted = [...xs].sort(naturalCompare)
        for (let i = 1; i < sorted.length; i++) expect(naturalCompare(sorted[i - 1]!, sorted[i]!)).toBeLessThanOrEqual(0)
        for (const x of xs) for (const y of xs) expect(Math.sign(naturalCompare(x, y)) + Math.sign(naturalCompare(y, x))).toBe(0)
        for (const x of xs) for (const y of xs) if (naturalCompare(x, y) === 0) expect(x).toBe(y)
      }),
    )
  })
})

describe('groupByPattern', () => {
  it('groups, keeps shared runs literal, shows a single name as itself', () => {
    const names = ['\\Device\\HarddiskVolume3\\leak\\leak-10.tmp', '\\Device\\HarddiskVolume3\\leak\\leak-2.tmp', '\\Device\\Afd', null]
    const groups = groupByPattern(names, (n) => n)
    expect(groups.map((g) => [g.pattern, g.names])).toEqual([
      ['\\Device\\HarddiskVolume3\\leak\\leak-#.tmp', ['\\Device\\HarddiskVolume3\\leak\\leak-2.tmp', '\\Device\\HarddiskVolume3\\leak\\leak-10.tmp']],
      ['\\Device\\Afd', ['\\Device\\Afd']],
      [null, []],
    ])
    expect(groups[0]).toMatchObject({ folder: '\\Device\\HarddiskVolume3\\leak\\', extension: '.tmp' })
  })

  it('100k unique names become one group in linear time', () => {
    const names = Array.from({ length: 100_000 }, (_, i) => `/tmp/app/leak-${i}.log`)
    const started = performance.now()
    const groups = groupByPattern(names, (n) => n)
    expect(performance.now() - started).toBeLessThan(10_000) // hang guard only
    expect(groups).toHaveLength(1)
    expect(groups[0]!.pattern).toBe('/tmp/app/leak-#.log')
    expect(groups[0]!.names.slice(0, 3)).toEqual(['/tmp/app/leak-0.log', '/tmp/app/leak-1.log', '/tmp/app/leak-2.log'])
  })
})
