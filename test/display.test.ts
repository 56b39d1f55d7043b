// The output-safety function (reader/display.ts): what it escapes, how it cuts, and that it is cheap on
// huge strings.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safeText, unsafeCharactersIn } from '../reader/display.js'

describe('safeText', () => {
  it('escapes C0, DEL, C1, bidi, invisible format characters, separators and lone surrogates', () => {
    expect(safeText('a\x1b]52;c;QUFB\x07b')).toBe('a\\x1b]52;c;QUFB\\x07b')
    expect(safeText('\x7f\x85\x9b')).toBe('\\x7f\\x85\\x9b')
    expect(safeText('evil\u202egnp.exe')).toBe('evil\\u202egnp.exe')
    expect(safeText('a\u200bb\u2066c\ufeffd\u00ade')).toBe('a\\u200bb\\u2066c\\ufeffd\\xade')
    expect(safeText('l\u2028p\u2029')).toBe('l\\u2028p\\u2029')
    expect(safeText('x\ud800y')).toBe('x\\ud800y')
    expect(safeText('tag\u{e0041}')).toBe('tag\\u{e0041}')
    expect(safeText('a\nb\tc\rd')).toBe('a\\x0ab\\x09c\\x0dd')
  })

  it('keeps ordinary text, paths and non-Latin scripts unchanged', () => {
    for (const s of ['C:\\Windows\\System32\\ntdll.dll', '/usr/lib/libc.so.6', 'wörker-é', '日本語.log', '😀 emoji', 'Ωmega']) expect(safeText(s)).toBe(s)
  })

  it('keeps a literal escape sequence distinguishable from an escaped character', () => {
    expect(safeText('\\x1b')).toBe('\\\\x1b')
    expect(safeText('\x1b')).toBe('\\x1b')
    // Once anything is escaped, every backslash is doubled: a literal backslash before an ESC stays apart.
    expect(safeText('C:\\new\x1b')).toBe('C:\\\\new\\x1b')
    expect(safeText('\\\x1b')).toBe('\\\\\\x1b')
    expect(safeText('C:\\temp\\ntdll.dll')).toBe('C:\\temp\\ntdll.dll')
  })

  it('cuts long strings at a code point, showing how much was left out', () => {
    expect(safeText('x'.repeat(20), { max: 5 })).toBe('xxxxx…(+15 more)')
    expect(safeText('😀'.repeat(4), { max: 2 })).toBe('😀😀…(+4 more)')
    expect(safeText('short', { max: 5 })).toBe('short')
  })

  it('costs what the cut costs on a 50M-character name', () => {
    const big = '\x1b'.repeat(50_000_000)
    const shown = safeText(big, { max: 100 })
    expect(shown.startsWith('\\x1b'.repeat(100) + '…(+')).toBe(true)
  })

  it('never leaves a character a terminal would act on (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(unsafeCharactersIn(safeText(s))).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })
})

describe('unsafeCharactersIn', () => {
  it('allows our own SGR colour codes, newlines and CRLF, and finds everything else', () => {
    expect(unsafeCharactersIn('\x1b[1mbold\x1b[22m\r\nline\n')).toEqual([])
    expect(unsafeCharactersIn('a\x1b]0;title\x07')).toEqual(['\\x1b', '\\x07'])
    expect(unsafeCharactersIn('\u202e')).toEqual(['\\u202e'])
  })
})
