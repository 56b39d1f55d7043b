// `npm run bench -- viewer` (issue 14): the 1M-entry archive written with deflate, put in a report
// (`pssnap report`), opened in headless Chromium: time from navigation to the viewer's first complete
// render (the overview), printed next to Node's open of the same archive measured in this same run; and
// report.html's size against the deflate archive's. Targets: render ≤ 1.5 s, size ≤ 1.4×.
import { execFileSync } from 'node:child_process'
import { statSync, writeFileSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { ArchiveWriter, MemorySink, SECTION_NAMES } from '../format/index.js'
import { nodeHooks, openArchiveFile } from '../reader/node.js'
import { generateSnapshot } from '../test/synthetic/generate.js'
import { launchChromium } from '../test/viewer/browser.js'
import { gc, median } from './measure.js'

const OUT = 'bench/out'
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const CLI = process.env.PSSNAP_BENCH_CLI ?? 'dist/cli.js'
mkdirSync(OUT, { recursive: true })

const counts = { handles: 300_000, regions: 600_000, threads: 100_000 }
/** The archive's bytes; the 1M generated rows become garbage on return (their heap slows every later allocation). */
async function deflateArchive(): Promise<Uint8Array> {
  const snapshot = generateSnapshot({ seed: 1, handles: counts.handles, regions: counts.regions, threads: counts.threads, contextRatio: 0.5 })
  const sink = new MemorySink()
  const writer = new ArchiveWriter(sink, { hooks: nodeHooks, compression: 'deflate' })
  await writer.begin(snapshot.header)
  for (const name of SECTION_NAMES) {
    const list = snapshot.sections[name] as object[]
    writer.declareSection(name)
    for (let i = 0; i < list.length; i++) {
      const p = writer.add(name, list[i] as never)
      if (p) await p
    }
  }
  await writer.finish(snapshot.epilogue)
  return sink.bytes()
}
const archive = `${OUT}/1m-deflate.pssnap`
writeFileSync(archive, await deflateArchive())
const report = `${OUT}/1m-report.html`
execFileSync(process.execPath, [CLI, 'report', archive, '-o', report, '--force'], { stdio: 'inherit' })
gc()

// Baselines: Node's open of the same file, in process (openArchiveFile) and as `pssnap info` (a fresh process).
const nodeOpen = await median(RUNS, () => openArchiveFile(archive))
const info = await median(RUNS, () => execFileSync(process.execPath, [CLI, 'info', archive], { stdio: 'ignore' }))

const browser = await launchChromium()
const renders: number[] = []
const viewTimes: string[] = []
try {
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    // Milliseconds since navigation start at which the viewer marks its first render done (data-state=ready).
    await page.addInitScript(() => {
      const w = window as unknown as { __readyMs?: number }
      new MutationObserver(() => {
        if (w.__readyMs === undefined && document.body?.getAttribute('data-state') === 'ready') w.__readyMs = performance.now()
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] })
    })
    await page.goto(`file://${resolve(report)}`, { timeout: 120_000 })
    await page.waitForSelector('body[data-state=ready]', { timeout: 120_000 })
    const text = await page.$eval('#panel', (e) => (e as HTMLElement).innerText)
    if (!text.includes('300,000') || !text.includes('600,000')) throw new Error('the overview does not show the 1M archive')
    renders.push(await page.evaluate(() => (window as unknown as { __readyMs: number }).__readyMs))
    if (i === RUNS - 1) {
      // Reported, no target: each other view built on first visit (all 1M entries walked, the first 500 rows drawn).
      for (const view of ['address', 'handles', 'threads']) {
        const t = performance.now()
        await page.click(`#tab-${view}`)
        await page.waitForSelector(`body[data-view=${view}]`, { timeout: 120_000 })
        viewTimes.push(`${view} ${(performance.now() - t).toFixed(0)} ms`)
      }
    }
    await page.close()
  }
} finally {
  await browser.close()
}
renders.sort((a, b) => a - b)
const render = renders[Math.floor(renders.length / 2)]!
const archiveSize = statSync(archive).size
const reportSize = statSync(report).size
const line = (ok: boolean) => (ok ? 'ok  ' : 'MISS')
console.log(`pssnap viewer bench — ${counts.handles + counts.regions + counts.threads} entries, deflate archive ${(archiveSize / 1e6).toFixed(1)} MB, median of ${RUNS}`)
console.log(`${line(render <= 1500)} open report.html to first complete render (overview) in headless Chromium: ${render.toFixed(0)} ms (target ≤ 1500 ms; runs ${renders.map((r) => r.toFixed(0)).join(', ')})`)
console.log(`     Node's open of the same archive: ${nodeOpen.toFixed(0)} ms in process (openArchiveFile), ${info.toFixed(0)} ms for \`pssnap info\` (a fresh process) → Chromium ${(render / nodeOpen).toFixed(2)}× / ${(render / info).toFixed(2)}×`)
console.log(`     first visit of the other views (reported, no target): ${viewTimes.join(', ')}`)
console.log(`${line(reportSize <= 1.4 * archiveSize)} report.html size: ${(reportSize / 1e6).toFixed(2)} MB vs the deflate archive's ${(archiveSize / 1e6).toFixed(2)} MB = ${(reportSize / archiveSize).toFixed(3)}× (target ≤ 1.4×)`)
