// Real Chromium for the viewer's tests and bench: Debian's /usr/bin/chromium driven by playwright-core
// (which downloads no browser). CI installs chromium (.ci/run); elsewhere, without it, the tests skip with
// a warning unless PSSNAP_REQUIRE_CHROMIUM=1 (or CI's PSSNAP_REQUIRE_WINE=1) makes its absence a failure.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.PSSNAP_CHROMIUM ?? '/usr/bin/chromium'
export const CHROMIUM_REQUIRED = process.env.PSSNAP_REQUIRE_CHROMIUM === '1' || process.env.PSSNAP_REQUIRE_WINE === '1'
export const haveChromium = existsSync(CHROMIUM)

/** Without the background-networking flags Chromium floods refused connections (reach-notes.md). */
export function launchChromium(): Promise<Browser> {
  if (!haveChromium) throw new Error(`chromium not found at ${CHROMIUM}`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** What a page did that it should not: console errors, uncaught errors, CSP violations, dialogs. */
export interface PageProblems {
  console: string[]
  errors: string[]
  dialogs: string[]
  /** `securitypolicyviolation` events, read from the page with `cspViolations`. */
}

/** A page that records its problems; CSP violations are collected in the page from before its first script. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  const problems: PageProblems = { console: [], errors: [], dialogs: [] }
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.console.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.errors.push(e.message))
  page.on('dialog', (d) => {
    problems.dialogs.push(`${d.type()}: ${d.message()}`)
    void d.dismiss()
  })
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] }
    w.__csp = []
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`))
  })
  return { page, problems }
}

export const cspViolations = (page: Page): Promise<string[]> => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)
