// Overview: what `pssnap info` says, with damage and capture errors first, where nobody can miss them.
import { archiveDamage, damageLine, KNOWN_SECTIONS, sectionCaptured } from '../reader/damage.js'
import { formatNamed, formatSize, formatTime } from '../reader/text.js'
import type { Archive } from '../reader/index.js'
import { count, facts, h, table, text } from './dom.js'

const SECTION_LABEL: Record<string, [string, string]> = {
  handles: ['handles', 'file descriptors'],
  threads: ['threads', 'threads'],
  vaSpace: ['regions', 'mappings'],
  auxiliaryPages: ['auxiliary pages', 'auxiliary pages'],
}

export const isLinux = (archive: Archive): boolean => archive.header.host.platform === 'linux'

/** What a newer writer added that this reader kept but does not interpret (like `info`), at most 20 names shown. */
function unknownContent(archive: Archive): string | undefined {
  const u = archive.unknown
  const kinds = Object.entries(u.frameKinds).map(([k, n]) => `frame kind ${k} ×${n}`)
  const names = [...u.sections.map((s) => `section ${text(s, 64)}`), ...u.fields.map((f) => text(f, 96)), ...kinds]
  if (!names.length) return undefined
  return `${names.slice(0, 20).join(', ')}${names.length > 20 ? `, … and ${count(names.length - 20)} more` : ''} (from a newer writer; kept, not interpreted)`
}

export function overview(name: string, archive: Archive): HTMLElement {
  const h0 = archive.header
  const p = h0.processInformation
  const linux = isLinux(archive)
  const damage = archiveDamage(archive)
  const state = !archive.trailer ? 'incomplete (no trailer)' : !archive.ok ? 'damaged' : 'complete'
  const line = damageLine(damage, text(name))
  const errors = archive.captureErrors
  const size = (v: bigint | undefined) => (v === undefined ? undefined : formatSize(v))
  const sections = KNOWN_SECTIONS.filter((s) => Object.hasOwn(damage.sections, s)).map((s) => {
    const d = damage.sections[s]!
    const label = SECTION_LABEL[s]![linux ? 1 : 0]
    const missing = d.entriesExpected !== null && d.entriesExpected !== d.entriesRead
    return [label, count(d.entriesRead), d.entriesExpected === null ? 'not stated' : count(d.entriesExpected), d.complete ? 'complete' : missing ? 'entries missing' : 'damaged'] as const
  })
  const notCaptured = KNOWN_SECTIONS.filter((s) => !sectionCaptured(archive, s)).map((s) => SECTION_LABEL[s]![linux ? 1 : 0])
  return h(
    'section',
    { class: 'overview' },
    h('h2', {}, text(name, 128), ' ', h('span', { class: `state state-${damage.complete ? 'ok' : 'bad'}` }, state)),
    line ? h('p', { class: 'alert', role: 'alert' }, line) : undefined,
    errors.length
      ? h(
          'div',
          { class: 'alert', role: 'alert' },
          h('h3', {}, `Capture errors (${errors.length})`),
          h('ul', {}, ...errors.slice(0, 200).map((e) => h('li', {}, `${text(e.section, 64)}: ${text(e.operation, 128)} failed with ${e.name ? `${text(e.name, 64)} (${e.code})` : `error ${e.code}`}: ${text(e.message)}`))),
          errors.length > 200 ? h('p', {}, `… and ${count(errors.length - 200)} more`) : undefined,
        )
      : undefined,
    facts([
      ['Format', `pssnap ${archive.version.major}.${archive.version.minor}, ${formatSize(archive.byteLength)}, ${archive.frames.length} frames`],
      ['Target', `pid ${h0.target.processId}${h0.target.imagePath ?? p?.imageFileName ? `  ${text(h0.target.imagePath ?? p?.imageFileName)}` : ''}${h0.target.architecture ? ` (${text(h0.target.architecture, 64)})` : ''}`],
      ['Producer', `${text(h0.producer.tool, 64)} ${text(h0.producer.version, 64)}`],
      ['Host', [h0.host.platform, h0.host.architecture, h0.host.osVersion, h0.host.osBuild ? `build ${h0.host.osBuild}` : undefined, h0.host.machineName].filter((v): v is string => Boolean(v)).map((v) => text(v, 128)).join(', ')],
      ['Started', text(h0.capture.startedAt, 64)],
      ['Finished', archive.epilogue?.finishedAt === undefined ? undefined : text(archive.epilogue.finishedAt, 64)],
      ['Preset', h0.capture.preset === undefined ? undefined : text(h0.capture.preset, 64)],
      linux ? ['Captured from', 'Linux /proc'] : ['Capture flags', `${formatNamed('PSS_CAPTURE_FLAGS', h0.capture.captureFlags).replace(/(^|\|)CAPTURE_/g, '$1').replace(/\|/g, ' ')} (0x${h0.capture.captureFlags.toString(16)})`],
      ['Not captured', notCaptured.length ? notCaptured.join(', ') : undefined],
      ['Redacted', h0.redaction ? `${text(h0.redaction.method, 64)} at ${text(h0.redaction.redactedAt, 64)}` : undefined],
      ['Unknown content', unknownContent(archive)],
    ]),
    p
      ? h(
          'div',
          {},
          h('h3', {}, 'Process'),
          facts([
            ['image', p.imageFileName === undefined ? undefined : text(p.imageFileName)],
            ['process id', p.processId?.toString()],
            ['parent pid', p.parentProcessId?.toString()],
            ['created', p.createTime === undefined ? undefined : formatTime(p.createTime) || 'not set'],
            [linux ? 'private (VmData)' : 'private usage', size(p.privateUsage)],
            [linux ? 'resident (VmRSS)' : 'working set', size(p.workingSetSize)],
            [linux ? 'virtual (VmSize)' : 'virtual size', size(p.virtualSize)],
            [linux ? 'swap (VmSwap)' : 'pagefile usage', size(p.pagefileUsage)],
            [linux ? 'nice' : 'base priority', p.basePriority?.toString()],
          ]),
        )
      : undefined,
    table('Sections', ['section', 'entries read', 'expected', 'state'], sections, new Set([1, 2])),
    archive.diagnostics.length
      ? h(
          'div',
          {},
          h('h3', {}, `Diagnostics (${archive.diagnostics.length})`),
          h('ul', { class: 'diagnostics' }, ...archive.diagnostics.slice(0, 200).map((d) => h('li', { class: `sev-${d.severity}` }, `${d.severity} ${text(d.code, 64)} - ${text(d.message)}${d.offset !== undefined ? ` (offset ${d.offset})` : ''}`))),
        )
      : undefined,
  )
}
