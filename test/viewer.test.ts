// The viewer in real Chromium (issue 14): `pssnap report` pages for every golden fixture, a 1.1 Linux
// archive, a diff pair, a trend series, a damaged archive and a hostile one, each view visited by keyboard
// and screenshotted (test/viewer/.screenshots/), under the page's strict CSP: no violation, no console error,
// no dialog, nothing from an archive run or parsed as markup; labels, keyboard and contrast checked. Then
// `pssnap view`: the token, the Host check, the archives fetched by `?url=`, Ctrl-C.
import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { gunzipSync } from 'node:zlib'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archiveDamage, damageLine, decodeArchive, diffArchives, safeText, trendArchives, type Archive } from '../reader/index.js'
import { CLI as BUILT_CLI, type CliResult } from './helpers/cli.js'
import { hostile, hostileArchive } from './helpers/hostile-strings.js'
import { addFiles, baseSnapshot, injectChanges, later, NEW_MODULE } from './helpers/snapshot-pair.js'
import { snapshotBytes } from './synthetic/generate.js'
import { CHROMIUM, CHROMIUM_REQUIRED, cspViolations, haveChromium, launchChromium, watchedPage, type PageProblems } from './viewer/browser.js'
import { injected, lowContrast, unlabelled } from './viewer/page-checks.js'

const skip = !haveChromium && !CHROMIUM_REQUIRED
if (skip) console.warn(`test/viewer.test.ts skipped: ${CHROMIUM} not found (set PSSNAP_REQUIRE_CHROMIUM=1 to make this a failure)`)

/** dist/cli.js (built by `npm test`); PSSNAP_TEST_CLI names another build. */
const CLI = process.env.PSSNAP_TEST_CLI ?? BUILT_CLI
const runCli = (...args: string[]) =>
  new Promise<CliResult>((resolve) =>
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000, maxBuffer: 64 << 20 }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) })),
  )

const FIXTURES = 'spec/fixtures'
const SHOTS = 'test/viewer/.screenshots'
/** Markup and script in every string of the hostile archive, plus hostile()'s terminal escapes and bidi controls. */
const PAYLOAD = (f: string) => `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1;alert(1)"><b>${f}</b>${hostile(f)}`

const HOSTILE_FILE = `h"><img src=x onerror="window.__pwned=1">'\u202e.pssnap`

interface Case {
  name: string
  files: string[]
  archives: Archive[]
  html: string
}

let dir: string
let browser: Browser
const cases = new Map<string, Case>()

async function writeArchive(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return path
}

async function makeCase(name: string, files: string[]): Promise<void> {
  const html = join(dir, `${name}.html`)
  const r = await runCli('report', ...files, '-o', html)
  expect(r.code, r.stderr).toBe(0)
  cases.set(name, { name, files, archives: await Promise.all(files.map(async (f) => decodeArchive(new Uint8Array(readFileSync(f))))), html })
}

/** Opens a case's report and waits for its first complete render. */
async function open(c: Case): Promise<{ page: Page; problems: PageProblems }> {
  const w = await watchedPage(browser)
  await w.page.goto(`file://${c.html}`)
  await w.page.waitForSelector('body[data-state=ready]', { timeout: 30_000 })
  return w
}

/** Every view, reached from the selected tab with the arrow key (keyboard only), screenshotted. */
async function visitAll(page: Page, caseName: string, each?: (view: string) => Promise<void>): Promise<string[]> {
  const tabs = await page.$$eval('[role=tab]', (els) => els.map((e) => e.id.replace(/^tab-/, '')))
  await page.focus('[role=tab][aria-selected=true]')
  for (let i = 0; i < tabs.length; i++) {
    if (i > 0) await page.keyboard.press('ArrowRight')
    await page.waitForSelector(`body[data-view=${tabs[i]}]`)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(`tab-${tabs[i]}`)
    await page.screenshot({ path: `${SHOTS}/${caseName}-${tabs[i]}.png` })
    await each?.(tabs[i]!)
  }
  return tabs
}

async function expectClean(page: Page, problems: PageProblems): Promise<void> {
  expect(await cspViolations(page)).toEqual([])
  expect(problems.console).toEqual([])
  expect(problems.errors).toEqual([])
  expect(problems.dialogs).toEqual([])
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined()
  expect(await page.evaluate(injected)).toEqual([])
}

const panelText = (page: Page) => page.$eval('#panel', (el) => (el as HTMLElement).innerText)

describe.skipIf(skip)('the viewer in Chromium', () => {
  beforeAll(async () => {
    if (!haveChromium) throw new Error(`PSSNAP_REQUIRE_CHROMIUM=1 but ${CHROMIUM} not found`)
    dir = mkdtempSync(join(tmpdir(), 'pssnap-viewer-'))
    mkdirSync(SHOTS, { recursive: true })
    const launched = launchChromium()
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.pssnap')).sort()) await makeCase(`fixture-${f.replace(/\.pssnap$/, '')}`, [join(FIXTURES, f)])
    // A diff pair: 5 File handles added under one folder, 3 handles removed, a module loaded.
    const before = baseSnapshot(7)
    const after = later(before, 1)
    injectChanges(after)
    await makeCase('diff', [await writeArchive('before.pssnap', await snapshotBytes(before)), await writeArchive('after.pssnap', await snapshotBytes(after))])
    // A trend series: 6 snapshots an hour apart, 10 more File handles each hour (a leak).
    const first = baseSnapshot(9)
    const series: string[] = []
    for (let i = 0; i < 6; i++) {
      const s = later(first, i)
      addFiles(s, 10 * i, 'leak')
      series.push(await writeArchive(`series-${i}.pssnap`, await snapshotBytes(s, { compression: 'deflate' })))
    }
    await makeCase('trend', series)
    // Damaged: the small fixture cut at two thirds (no trailer, a section short).
    const small = readFileSync(join(FIXTURES, 'small.pssnap'))
    await makeCase('damaged', [await writeArchive('cut.pssnap', small.subarray(0, Math.floor((small.length * 2) / 3)))])
    // The file's own name is hostile too: it reaches the page as the embedded block's data-name.
    // Three of them, so the diff and trend views (charts, legends, evidence) get the hostile names too.
    const hostileBytes = hostileArchive({ text: PAYLOAD })
    await makeCase('hostile', [await writeArchive(HOSTILE_FILE, hostileBytes), await writeArchive('h2<b>x.pssnap', hostileBytes), await writeArchive('h3<i>x.pssnap', hostileBytes)])
    browser = await launched
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('the report is one 0600 file under a strict CSP by hash, its archives embedded as base64 of their bytes', () => {
    const c = cases.get('fixture-medium')!
    expect(statSync(c.html).mode & 0o777).toBe(0o600)
    const html = readFileSync(c.html, 'utf8')
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+'; connect-src 'none'/)
    expect(csp).not.toMatch(/unsafe|\*|http/)
    // A deflate archive goes in as it is…
    const b64 = /<script type="application\/x-pssnap\+base64" data-name="medium.pssnap">([^<]*)<\/script>/.exec(html)![1]!
    expect(Buffer.from(b64, 'base64').equals(readFileSync(c.files[0]!))).toBe(true)
    // …an uncompressed one gzipped whole, its exact bytes coming back out.
    const small = readFileSync(cases.get('fixture-small')!.html, 'utf8')
    const zipped = /<script type="application\/x-pssnap\+base64" data-name="small.pssnap" data-encoding="gzip">([^<]*)<\/script>/.exec(small)![1]!
    expect(gunzipSync(Buffer.from(zipped, 'base64')).equals(readFileSync(join(FIXTURES, 'small.pssnap')))).toBe(true)
    expect(zipped.length).toBeLessThan(statSync(join(FIXTURES, 'small.pssnap')).size)
    // No reference to anything outside the file.
    expect(html).not.toMatch(/\ssrc=|\shref=|https?:\/\//)
  })

  it('every golden fixture: overview, address space, handles, threads; clean, labelled, readable', async () => {
    for (const [name, c] of cases) {
      if (!name.startsWith('fixture-')) continue
      const a = c.archives[0]!
      const { page, problems } = await open(c)
      const overview = await panelText(page)
      expect(overview).toContain(safeText(a.header.target.imagePath ?? ''))
      expect(overview).toContain(`pssnap ${a.version.major}.${a.version.minor}`)
      const views = await visitAll(page, name, async (view) => {
        expect(await page.evaluate(unlabelled)).toEqual([])
        expect(await page.evaluate(lowContrast)).toEqual([])
        const text = await panelText(page)
        if (view === 'handles') expect(text).toContain(`${a.handles.length.toLocaleString('en-US')} of ${a.handles.length.toLocaleString('en-US')}`)
        if (view === 'threads') expect(text).toContain(`${a.threads.length.toLocaleString('en-US')} of ${a.threads.length.toLocaleString('en-US')} threads`)
        if (view === 'address') expect(await page.$$('canvas.treemap')).toHaveLength(1)
      })
      expect(views).toEqual(['overview', 'address', 'handles', 'threads'])
      await expectClean(page, problems)
      await page.close()
    }
  }, 90_000)

  it('a 1.1 Linux archive in Linux terms: fds, perms, VmData', async () => {
    const { page, problems } = await open(cases.get('fixture-linux-small')!)
    expect(await panelText(page)).toContain('private (VmData)')
    expect(await page.textContent('#tab-handles')).toBe('File descriptors')
    await page.click('#tab-handles')
    const handles = await panelText(page)
    expect(handles).toContain('9 of 9 file descriptors')
    expect(await page.$$eval('#panel table.list th', (ths) => ths.map((t) => t.textContent))).toContain('fd')
    await page.fill('#panel input.where', "typeName = Socket")
    await page.press('#panel input.where', 'Enter')
    expect(await panelText(page)).toMatch(/\d+ of 9 file descriptors/)
    await page.click('#tab-address')
    expect(await page.$$eval('#panel table.list th', (ths) => ths.map((t) => t.textContent))).toContain('perms')
    expect(await panelText(page)).toMatch(/r-xp|rw-p|r--p/)
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('the address-space picture: hover details, click to zoom into a group and list its regions, zoom out', async () => {
    const { page, problems } = await open(cases.get('fixture-small')!)
    await page.click('#tab-address')
    const box = (await (await page.$('canvas.treemap'))!.boundingBox())!
    // The largest group (committed private memory) fills the left of the picture.
    const at = { x: box.x + box.width * 0.2, y: box.y + box.height * 0.6 }
    await page.mouse.move(at.x, at.y)
    expect(await page.$eval('#panel .tip', (e) => ({ hidden: (e as HTMLElement).hidden, text: e.textContent }))).toMatchObject({ hidden: false, text: expect.stringMatching(/^baseAddress 0x[0-9a-f]{16} {2}· {2}regionSize /) })
    expect(await page.$eval('#panel .crumbs', (e) => e.textContent)).toBe('address space')
    await page.mouse.click(at.x, at.y)
    expect(await page.$eval('#panel .crumbs', (e) => e.textContent)).toMatch(/^address space › Private$/)
    expect(await page.$eval('#panel .status', (e) => e.textContent)).toMatch(/^\d+ of 30 regions$/)
    expect(await page.$eval('#panel .status', (e) => e.textContent)).not.toBe('30 of 30 regions')
    await page.screenshot({ path: `${SHOTS}/fixture-small-address-zoomed.png` })
    await page.click('#panel button:text("Zoom out")')
    expect(await page.$eval('#panel .crumbs', (e) => e.textContent)).toBe('address space')
    expect(await page.$eval('#panel .status', (e) => e.textContent)).toBe('30 of 30 regions')
    // The same by keyboard: arrows pick a block (largest first), Enter zooms, Escape zooms out.
    await page.focus('canvas.treemap')
    await page.keyboard.press('ArrowRight')
    expect(await page.$eval('#panel .tip', (e) => e.textContent)).toMatch(/^Private: [\d.]+ [KM]iB$/)
    await page.keyboard.press('ArrowRight')
    expect(await page.$eval('#panel .tip', (e) => e.textContent)).toMatch(/^(Image|Mapped): /)
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.press('Enter')
    expect(await page.$eval('#panel .crumbs', (e) => e.textContent)).toBe('address space › Private')
    await page.keyboard.press('Escape')
    expect(await page.$eval('#panel .crumbs', (e) => e.textContent)).toBe('address space')
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('the static viewer (dist/viewer/index.html) opens archives from the file picker and from a drop', async () => {
    const index = join(dirname(CLI), 'viewer', 'index.html')
    const { page, problems } = await watchedPage(browser)
    await page.goto(`file://${index}`)
    await page.waitForSelector('body[data-state=ready]')
    expect(await page.textContent('main')).toContain('No archive open yet.')
    await page.setInputFiles('#open-files', [join(FIXTURES, 'small.pssnap'), join(FIXTURES, 'minimal.pssnap')])
    await page.waitForSelector('#tab-diff')
    expect(await page.$$eval('#archive option', (o) => o.map((x) => x.textContent))).toEqual(['1. small.pssnap', '2. minimal.pssnap'])
    const b64 = readFileSync(join(FIXTURES, 'linux-small.pssnap')).toString('base64')
    const transfer = await page.evaluateHandle((data) => {
      const t = new DataTransfer()
      t.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'dropped.pssnap'))
      return t
    }, b64)
    await page.dispatchEvent('main', 'drop', { dataTransfer: transfer })
    await page.waitForFunction(() => document.querySelector('#panel h2')?.textContent?.startsWith('dropped.pssnap'))
    expect(await panelText(page)).toContain('private (VmData)')
    // Not an archive: said, with the reader's error code, and nothing else opened.
    await page.setInputFiles('#open-files', [join(FIXTURES, 'README.md')])
    await page.waitForSelector('main > p.alert')
    expect(await page.textContent('main > p.alert')).toMatch(/^README\.md: cannot open: [A-Z_]+ - /)
    expect(await page.$('#panel')).toBeNull()
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('threads: the registers of a thread with a context; a thread without one says so', async () => {
    const { page, problems } = await open(cases.get('fixture-small')!)
    await page.click('#tab-threads')
    const pick = async (where: string) => {
      await page.fill('#panel input.where', where)
      await page.press('#panel input.where', 'Enter')
      await page.focus('#panel table.list tbody tr')
      await page.keyboard.press('Enter')
      return page.$eval('#panel .detail', (e) => (e as HTMLElement).innerText)
    }
    const withContext = await pick('contextRecord != null')
    expect(withContext).toContain('Registers (x64)')
    expect(withContext).toMatch(/Rip\t0x[0-9a-f]{16}/)
    const without = await pick('contextRecord = null')
    expect(without).toContain('registers: no context captured for this thread')
    expect(without).not.toContain('Rip')
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('a --where error is shown, not thrown', async () => {
    const { page, problems } = await open(cases.get('fixture-small')!)
    await page.click('#tab-handles')
    await page.fill('#panel input.where', 'nosuchfield = 1')
    await page.press('#panel input.where', 'Enter')
    expect(await page.$eval('#panel .status', (e) => e.className)).toContain('error')
    expect(await page.$eval('#panel .status', (e) => e.textContent)).toMatch(/nosuchfield/)
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('a diff pair: counters, the added files by pattern, the loaded module (reader/diff.ts)', async () => {
    const c = cases.get('diff')!
    const d = diffArchives(c.archives[0]!, c.archives[1]!)
    const { page, problems } = await open(c)
    const views = await visitAll(page, 'diff')
    expect(views).toEqual(['overview', 'address', 'handles', 'threads', 'diff'])
    const text = await panelText(page)
    const file = d.summary.byType.find((t) => t.typeName === 'File')!
    expect(text).toContain(`File\t${file.before.toLocaleString('en-US')}\t${file.after.toLocaleString('en-US')}\t${file.added}\t${file.removed}\t+${file.net}`)
    expect(text).toContain(safeText(d.summary.byPattern[0]!.pattern!))
    expect(text).toContain(NEW_MODULE)
    expect(text).toContain(`Added handles (${d.handles.added.length})`)
    // The one region made executable (injectChanges): changed in place, in PAGE_* names.
    expect(d.regions.changed).toHaveLength(1)
    expect(text).toContain('protect: READWRITE → EXECUTE_READWRITE')
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('a trend series: the verdict and its evidence (reader/trend.ts), charts drawn', async () => {
    const c = cases.get('trend')!
    const r = trendArchives(c.archives)
    expect(r.verdict.verdict).toBe('leak')
    const { page, problems } = await open(c)
    await visitAll(page, 'trend')
    const text = await panelText(page)
    expect(text).toContain('Verdict: LEAK')
    for (const e of r.verdict.evidence) expect(text).toContain(safeText(e))
    expect(await page.$$('.trend-chart canvas')).not.toHaveLength(0)
    expect(await page.evaluate(lowContrast)).toEqual([])
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('a damaged archive: the damage is said first, and what survived is shown', async () => {
    const c = cases.get('damaged')!
    const line = damageLine(archiveDamage(c.archives[0]!), 'cut.pssnap')!
    expect(line).toBeTruthy()
    const { page, problems } = await open(c)
    expect(await page.$eval('#panel [role=alert]', (e) => e.textContent)).toBe(line)
    await visitAll(page, 'damaged')
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('a hostile archive: markup, script and escapes in every name stay text; nothing runs', async () => {
    const { page, problems } = await open(cases.get('hostile')!)
    const views = await visitAll(page, 'hostile', async (view) => {
      const text = await page.evaluate(() => document.body.innerText)
      // The payload's markup shows as text…
      if (view === 'overview') expect(text).toContain('<script>window.__pwned=1</script><img src=x onerror=')
      // The unknown section, column and header key the hostile archive holds (hostile-strings.ts), named as text.
      if (view === 'overview') expect(text).toMatch(/Unknown content\tsection <script>window\.__pwned=1<\/script><img src=x onerror=.*\(from a newer writer; kept, not interpreted\)/)
      // …its terminal escapes and bidi controls as visible escapes, never raw.
      expect(text).not.toMatch(/[\x1b\x9b\u202e\u2066\u2028\u200b]/)
      if (view === 'overview' || view === 'handles') expect(text).toContain('\\x1b]52;c;')
      expect(await page.evaluate(injected)).toEqual([])
    })
    expect(views).toEqual(['overview', 'address', 'handles', 'threads', 'diff', 'trend'])
    await page.click('#tab-overview')
    expect(await page.$eval('#panel h2', (e) => e.firstChild?.textContent)).toBe(safeText(HOSTILE_FILE))
    await page.click('#tab-threads')
    await page.click('#panel table.list tbody tr')
    expect(await page.$eval('#panel .detail', (e) => (e as HTMLElement).innerText)).toContain('\\u202eevil')
    await expectClean(page, problems)
    await page.close()
  }, 30_000)

  it('the reader alone under a CSP without unsafe-eval: one refused probe for a many-chunk archive, not one per chunk', async () => {
    // The reader bundled as any page would (no setCodeGeneration call), reading every row of medium.pssnap.
    const entry = `import { openArchive } from './reader/index.ts'
      ;(async () => {
        const text = document.getElementById('data').textContent
        const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
        const archive = await openArchive(bytes)
        let rows = 0
        for (const name of archive.sectionNames) for (const e of archive.section(name)) rows += e ? 1 : 0
        document.body.setAttribute('data-rows', String(rows))
      })()`
    const bundle = (await build({ stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' }, bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'silent' })).outputFiles[0]!.text
    const hash = createHash('sha256').update(bundle).digest('base64')
    const bytes = readFileSync(join(FIXTURES, 'medium.pssnap'))
    const page = join(dir, 'reader-csp.html')
    writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-${hash}'"></head><body><script type="application/octet-stream" id="data">${bytes.toString('base64')}</script><script>${bundle}</script></body></html>`)
    const archive = await decodeArchive(new Uint8Array(bytes))
    const chunks = archive.frames.filter((f) => f.kind === 2).length
    expect(chunks).toBeGreaterThan(4)
    const w = await watchedPage(browser)
    await w.page.goto(`file://${page}`)
    // The page shows nothing: wait for the attribute, not for a visible body.
    await w.page.waitForSelector('body[data-rows]', { state: 'attached', timeout: 20_000 })
    expect(await w.page.getAttribute('body', 'data-rows')).toBe(String(archive.sectionNames.reduce((n, s) => n + archive.section(s)!.length, 0)))
    const violations = await cspViolations(w.page)
    expect(violations).toHaveLength(1)
    expect(violations[0]).toMatch(/^script-src eval /)
    expect(w.problems.errors).toEqual([])
    await w.page.close()
  }, 30_000)

  it('pssnap view: the token URL serves the page and the archives, nothing else; Ctrl-C stops it', async () => {
    const files = cases.get('diff')!.files
    const child = spawn(process.execPath, [CLI, 'view', '--no-open', ...files], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString()
          const m = /^(http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{20,}\/\?\S+)$/m.exec(out)
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`view exited ${code}`)))
      })
      const u = new URL(url)
      const status = (path: string, host = u.host) =>
        new Promise<number>((resolve, reject) => request({ host: '127.0.0.1', port: u.port, path, headers: { host } }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject).end())
      expect(await status(u.pathname)).toBe(200)
      expect(await status('/wrong-token/')).toBe(404)
      expect(await status(`${u.pathname}a/0/before.pssnap`)).toBe(200)
      expect(await status(`/wrong-token/a/0/before.pssnap`)).toBe(404)
      expect(await status(u.pathname, 'evil.example:80')).toBe(421)
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => request({ host: '127.0.0.1', port: u.port, path: u.pathname }, (res) => (res.resume(), resolve(res.headers))).on('error', reject).end())
      expect(String(headers['content-security-policy'])).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; connect-src 'self'; .*frame-ancestors 'none'$/)
      expect(headers['x-content-type-options']).toBe('nosniff')
      expect(headers['cache-control']).toBe('no-store')
      const { page, problems } = await watchedPage(browser)
      await page.goto(url)
      await page.waitForSelector('body[data-state=ready]', { timeout: 30_000 })
      expect(await page.$$eval('#archive option', (o) => o.map((x) => x.textContent))).toEqual(['1. before.pssnap', '2. after.pssnap'])
      await page.click('#tab-diff')
      expect(await panelText(page)).toContain(NEW_MODULE)
      await page.screenshot({ path: `${SHOTS}/view-diff.png` })
      await expectClean(page, problems)
      await page.close()
    } finally {
      child.kill('SIGINT')
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)))
    expect(code).toBe(0)
  }, 60_000)
})

describe('pssnap report and view, without a browser', () => {
  it('view hands the token URL to the desktop opener (xdg-open) and serves until SIGTERM', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pssnap-view-'))
    try {
      // A stand-in xdg-open that records what it was asked to open.
      writeFileSync(join(d, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${d}/opened'\n`, { mode: 0o755 })
      const child = spawn(process.execPath, [CLI, 'view', join(FIXTURES, 'minimal.pssnap')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${d}:${process.env.PATH}` } })
      let out = ''
      let err = ''
      child.stdout.on('data', (b: Buffer) => (out += b.toString()))
      child.stderr.on('data', (b: Buffer) => (err += b.toString()))
      const deadline = Date.now() + 20_000
      let opened = ''
      while (Date.now() < deadline && (!opened || !err.includes('Ctrl-C stops'))) {
        await new Promise((r) => setTimeout(r, 100))
        try {
          opened = readFileSync(join(d, 'opened'), 'utf8')
        } catch {
          // not yet
        }
      }
      child.kill('SIGTERM')
      const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)))
      expect(opened).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{20,}\/\?url=a%2F0%2Fminimal.pssnap$/)
      expect(out.trim()).toBe(opened)
      expect(code, err).toBe(0)
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  }, 30_000)


  it('refuses an existing file without --force, and the input itself even with it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pssnap-report-'))
    try {
      const input = join(d, 'a.pssnap')
      writeFileSync(input, readFileSync(join(FIXTURES, 'minimal.pssnap')))
      const out = join(d, 'r.html')
      writeFileSync(out, 'keep')
      expect((await runCli('report', input, '-o', out)).stderr).toMatch(/^FILE_EXISTS/)
      expect(readFileSync(out, 'utf8')).toBe('keep')
      expect((await runCli('report', input, '-o', input, '--force')).code).toBe(1)
      expect(readFileSync(input).equals(readFileSync(join(FIXTURES, 'minimal.pssnap')))).toBe(true)
      expect((await runCli('report', join(FIXTURES, 'README.md'), '-o', join(d, 'x.html'))).stderr).toMatch(/^[A-Z_]+ - /)
      expect(readdirSync(d).sort()).toEqual(['a.pssnap', 'r.html'])
      // A file name that would close the attribute it is written into is escaped there.
      const named = join(d, 'x"><img src=x onerror=alert(1)>&.pssnap')
      writeFileSync(named, readFileSync(join(FIXTURES, 'minimal.pssnap')))
      expect((await runCli('report', named, '-o', join(d, 'named.html'))).code).toBe(0)
      expect(readFileSync(join(d, 'named.html'), 'utf8').includes(' data-name="x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;.pssnap" ')).toBe(true)
    } finally {
      rmSync(d, { recursive: true, force: true })
    }
  })
})
