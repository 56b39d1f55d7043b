// `pssnap selftest`: renders capture/selftest.ts's report, for a person to read and attach to an issue, or as
// JSON (schema pssnap.selftest/1). Exit 0 when every check passed, 1 when any failed.
import { safeText } from '../reader/display.js'
import { stdoutOutput, styleFor } from './io.js'

type Args = Record<string, unknown>

export async function selftest(args: Args): Promise<number> {
  const { runSelftest } = await import('../capture/selftest.js')
  const report = await runSelftest()
  const out = stdoutOutput()
  if (args.json) {
    await out.write(`${JSON.stringify(report, null, 2)}\n`)
    return report.ok ? 0 : 1
  }
  const s = styleFor(process.stdout, typeof args.color === 'boolean' ? args.color : undefined)
  const v = report.versions
  const os = report.os
  // Details quote what the capture saw (image paths, names, OS strings): escaped like any process string.
  const t = (text: string) => safeText(text)
  const lines = [
    'pssnap selftest: pssnap captures itself with every preset and checks what it knows about itself.',
    t(`versions: pssnap ${v.pssnap}, node ${v.node}${v.koffi ? `, koffi ${v.koffi}` : ''}`),
    t(`os: ${os.platform} ${os.release} ${os.architecture}${os.osVersion ? ` (Windows ${os.osVersion}${os.osBuild ? `, build ${os.osBuild}` : ''})` : ''}`),
    t(`backend: ${report.backend}${report.pssLibrary ? ` bound to ${report.pssLibrary} (PSSNAP_PSS_LIBRARY)` : ''}; this process: ${report.processId}`),
  ]
  let preset: string | undefined
  for (const c of report.checks) {
    if (c.preset !== preset) lines.push(`preset ${t((preset = c.preset))}`)
    lines.push(`  ${c.ok ? s.green('PASS') : s.red('FAIL')}  ${t(c.name)}: ${t(c.detail)}`)
  }
  const failed = report.checks.filter((c) => !c.ok).length
  lines.push(`${report.checks.length} checks: ${report.checks.length - failed} passed, ${failed} failed`)
  if (!report.ok) lines.push('Something is wrong: attach this whole report to an issue (pssnap selftest --json gives the same as JSON).')
  await out.write(`${lines.join('\n')}\n`)
  return report.ok ? 0 : 1
}
