// `npm run bench -- viewer` (issue 14): the 1M-entry archive written with deflate, put in a report
// (`pssnap report`), opened in headless Chromium: time from navigation to the viewer's first complete
// render (the overview), printed next to Node's open of the same archive measured in this same run; and
// report.html's size against the deflate archive's. Targets: render ≤ 1.5 s, size ≤ 1.4×. Reported beside
// them: the same for the archive written uncompressed (the capture default; the report gzips it whole), and
// the first visit of each other view.
import { execFileSync } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { ArchiveWriter, MemorySink, SECTION_NAMES, type WriterOptions } from '../format/index.js'
import { nodeHooks, openArchiveFile } from '../reader/node.js'
import { generateSnapshot, type Snapshot } from '../test/synthetic/generate.js'
import { launchChromium } from '../test/viewer/browser.js'
import { gc, median } from './measure.js'

const OUT = 'bench/out'
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const CLI = process.env.PSSNAP_BENCH_CLI ?? 'dist/cli.js'
mkdirSync(OUT, { recursive: true })

const counts = { handles: 300_000, regions: 600_000, threads: 100_000 }

async function write(snapshot: Snapshot, options: WriterOptions): Promise<Uint8Array> {
  const sink = new MemorySink()
  const writer = new ArchiveWriter(sink, { hooks: nodeHooks, ...options })
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

/** Both archives written to disk; the 1M generated rows become garbage on return (their heap slows every later allocation). */
async function writeArchives(deflate: string, plain: string): Promise<void> {
  const snapshot = generateSnapshot({ seed: 1, handles: counts.handles, regions: counts.regions, threads: counts.threads, contextRatio: 0.5 })
  writeFileSync(deflate, await write(snapshot, { compression: 'deflate' }))
  writeFileSync(plain, await write(snapshot, {}))
}

/** Median ms from navigation to the viewer's first render (data-state=ready), and on the last run the first visit of each other view. */
async function renderTimes(browser: Browser, report: string, views: string[]): Promise<{ median: number; runs: number[]; views: string[] }> {
  const runs: number[] = []
  const viewTimes: string[] = []
  for (let i = 0; i < RUNS; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.addInitScript(() => {
      const w = window as unknown as { __readyMs?: number }
      new MutationObserver(() => {
        if (w.__readyMs === undefined && document.body?.getAttribute('data-state') === 'ready') w.__readyMs = performance.now()
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] })
    })
    await page.goto(`file://${resolve(report)}`, { timeout: 120_000 })
    await page.waitForSelector('body[data-state=ready]', { timeout: 120_000 })
    const text = await page.$eval('#panel', (e) => (e as HTMLElement).innerText)
    if (!text.includes('300,000') || !text.includes('600,000')) throw new Error(`the overview of ${report} does not show the 1M archive`)
    runs.push(await page.evaluate(() => (window as unknown as { __readyMs: number }).__readyMs))
    if (i === RUNS - 1) {
      for (const view of views) {
        const t = performance.now()
        await page.click(`#tab-${view}`)
        await page.waitForSelector(`body[data-view=${view}]`, { timeout: 120_000 })
        viewTimes.push(`${view} ${(performance.now() - t).toFixed(0)} ms`)
      }
    }
    await page.close()
  }
  const sorted = [...runs].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)]!, runs, views: viewTimes }
}

const archive = `${OUT}/1m-deflate.pssnap`
const plain = `${OUT}/1m-plain.pssnap`
await writeArchives(archive, plain)
gc()
const report = `${OUT}/1m-report.html`
const plainReport = `${OUT}/1m-plain-report.html`
execFileSync(process.execPath, [CLI, 'report', archive, '-o', report, '--force'], { stdio: 'inherit' })
const t0 = performance.now()
execFileSync(process.execPath, [CLI, 'report', plain, '-o', plainReport, '--force'], { stdio: 'inherit' })
const plainReportMs = performance.now() - t0

// Baselines: Node's open of the same file, in process (openArchiveFile) and as `pssnap info` (a fresh process).
const nodeOpen = await median(RUNS, () => openArchiveFile(archive))
const info = await median(RUNS, () => execFileSync(process.execPath, [CLI, 'info', archive], { stdio: 'ignore' }))
const plainOpen = await median(RUNS, () => openArchiveFile(plain))

const browser = await launchChromium()
let deflated: Awaited<ReturnType<typeof renderTimes>>
let uncompressed: Awaited<ReturnType<typeof renderTimes>>
try {
  deflated = await renderTimes(browser, report, ['address', 'handles', 'threads'])
  uncompressed = await renderTimes(browser, plainReport, [])
} finally {
  await browser.close()
}
const size = (f: string) => statSync(f).size
const archiveSize = size(archive)
const reportSize = size(report)
const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`
const line = (ok: boolean) => (ok ? 'ok  ' : 'MISS')
console.log(`pssnap viewer bench — ${counts.handles + counts.regions + counts.threads} entries, deflate archive ${mb(archiveSize)}, uncompressed ${mb(size(plain))}, median of ${RUNS}`)
console.log(`${line(deflated.median <= 1500)} open report.html to first complete render (overview) in headless Chromium: ${deflated.median.toFixed(0)} ms (target ≤ 1500 ms; runs ${deflated.runs.map((r) => r.toFixed(0)).join(', ')})`)
console.log(`     Node's open of the same archive: ${nodeOpen.toFixed(0)} ms in process (openArchiveFile), ${info.toFixed(0)} ms for \`pssnap info\` (a fresh process) → Chromium ${(deflated.median / nodeOpen).toFixed(2)}× / ${(deflated.median / info).toFixed(2)}×`)
console.log(`     first visit of the other views (reported, no target): ${deflated.views.join(', ')}`)
console.log(`${line(reportSize <= 1.4 * archiveSize)} report.html size: ${mb(reportSize)} vs the deflate archive's ${mb(archiveSize)} = ${(reportSize / archiveSize).toFixed(3)}× (target ≤ 1.4×)`)
console.log(`     uncompressed archive (reported): report ${mb(size(plainReport))} (${(size(plainReport) / archiveSize).toFixed(3)}× the deflate archive, written in ${plainReportMs.toFixed(0)} ms), first render ${uncompressed.median.toFixed(0)} ms vs Node's open ${plainOpen.toFixed(0)} ms`)
