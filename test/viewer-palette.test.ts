// The viewer's drawing colours: treemap fills under white labels hold 4.5:1 (WCAG 1.4.3, text), chart lines
// on the white page 3:1 (WCAG 1.4.11, graphics), the canvas background under white labels 4.5:1.
import { describe, expect, it } from 'vitest'
import { CANVAS_BACKGROUND, CHART_LINES, OTHER_COLOUR, PROTECT_COLOURS, TYPE_COLOURS } from '../viewer/palette.js'

/** WCAG 2 relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
  if (!m) throw new Error(`not #rrggbb: ${hex}`)
  const [r, g, b] = [m[1], m[2], m[3]].map((x) => {
    const s = parseInt(x!, 16) / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)]
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05)
}

describe('viewer palette', () => {
  it('the contrast formula matches WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
  })

  it.each([...TYPE_COLOURS.values(), ...Object.values(PROTECT_COLOURS), OTHER_COLOUR, CANVAS_BACKGROUND])('white labels on %s: at least 4.5:1', (fill) => {
    expect(contrast(fill, '#ffffff')).toBeGreaterThanOrEqual(4.5)
  })

  it.each(CHART_LINES)('chart line %s on white: at least 3:1', (line) => {
    expect(contrast(line, '#ffffff')).toBeGreaterThanOrEqual(3)
  })
})
