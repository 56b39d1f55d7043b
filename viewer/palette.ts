// The viewer's drawing colours (canvas fills and chart lines; page colours are in style.css). Treemap labels
// are white on the fills, so each fill holds 4.5:1 against white; chart lines on white hold 3:1 (WCAG 1.4.11).
// Checked by test/viewer-palette.test.ts.

export const MEM_IMAGE = 0x1000000
export const MEM_MAPPED = 0x40000
export const MEM_PRIVATE = 0x20000

export const TYPE_COLOURS: ReadonlyMap<number, string> = new Map([
  [MEM_IMAGE, '#3465a4'],
  [MEM_MAPPED, '#157066'],
  [MEM_PRIVATE, '#a8520c'],
])
export const PROTECT_COLOURS = { execute: '#b03030', write: '#7d6508', read: '#3d7a3a', none: '#666666' } as const
/** Fill of a region of no known type, and the canvas background. */
export const OTHER_COLOUR = '#666666'
export const CANVAS_BACKGROUND = '#1d1f21'
export const CHART_LINES = ['#3465a4', '#a8520c', '#157066', '#b03030', '#7a4fa0', '#7d6508', '#555555', '#2e7d32']
