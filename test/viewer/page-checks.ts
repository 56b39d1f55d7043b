// Checks run inside the viewer's page (passed to page.evaluate: self-contained, no imports).

/**
 * WCAG 2 contrast of every element that holds text of its own, against the first opaque background of it
 * or an ancestor: the lowest ratios found (below 4.5:1) with the element's text, for the assertion message.
 */
export function lowContrast(): string[] {
  const parse = (c: string): [number, number, number, number] | undefined => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c)
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : undefined
  }
  const lum = ([r, g, b]: [number, number, number, number]) => {
    const ch = (v: number) => {
      const s = v / 255
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
    }
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)
  }
  const background = (el: Element | null): [number, number, number, number] => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor)
      if (c && c[3] > 0.5) return c
    }
    return [255, 255, 255, 1]
  }
  const low: string[] = []
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    if (el.closest('canvas, script, style, option')) continue
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== '')
    if (!own) continue
    const rect = el.getBoundingClientRect()
    if (rect.width === 0 || rect.height === 0) continue
    const fg = parse(getComputedStyle(el).color)
    if (!fg) continue
    const a = lum(fg)
    const b = lum(background(el))
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
    if (ratio < 4.5) low.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${el.className}: ${(el.textContent ?? '').slice(0, 40)}`)
  }
  return low
}

/** Form controls with no label (neither a <label> nor aria-label/aria-labelledby). */
export function unlabelled(): string[] {
  return Array.from(document.querySelectorAll('input, select, textarea'))
    .filter((el) => (el as HTMLInputElement).type !== 'hidden')
    .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
    .map((el) => el.outerHTML.slice(0, 80))
}

/** Markup a hostile name could have become: images, frames, scripts we did not write, on* attributes. */
export function injected(): string[] {
  const found: string[] = []
  for (const el of Array.from(document.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase()
    if (['img', 'iframe', 'object', 'embed', 'svg', 'a', 'link', 'meta', 'base', 'form'].includes(tag) && !(tag === 'meta' && el.closest('head')) && !(tag === 'form' && el.classList.contains('filter'))) found.push(tag)
    if (tag === 'script' && el.closest('body') && el.getAttribute('type') !== 'application/x-pssnap+base64' && el.textContent!.length < 1000) found.push('script')
    for (const attr of Array.from(el.attributes)) if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`)
  }
  return found
}
