// A valid archive (right frames, lengths, CRCs and trailer) whose every string is chosen by an attacker:
// terminal escapes, C1 controls, bidi and format characters, or names of Object.prototype members. Written
// with the test's own byte-level builder (build-archive.ts), so nothing here depends on format/'s writer.
import { ArchiveBuilder, col, filetime, type Column } from './build-archive.js'

/**
 * A display attack in one string: OSC 52 (writes the clipboard), a screen clear, an 8-bit CSI (C1), a
 * right-to-left override, a line separator, a bidi isolate and a zero-width space. `tag` says which field
 * it came from, so a failure names the path that leaked.
 */
export const hostile = (tag: string): string => `${tag}\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b1m\u202eevil\u2028\u2066x\u200b`

/** A formula a spreadsheet would run (CSV injection). */
export const FORMULA = '=HYPERLINK("http://example.invalid/?x","click")'

export interface HostileOptions {
  /** Every string field: `(field) => text`. Default `hostile`. */
  text?: (field: string) => string
  /** The header's target architecture (default: `text('architecture')`). */
  architecture?: string
  /** The architecture of the threads' contextRecord column (default: `text('contextArchitecture')`). */
  contextArchitecture?: string
  /** Section named by the capture error (default `handles`), to reach the section-name lookups. */
  captureErrorSection?: string
  /** A value for the handles' objectName column (default `text('objectName')`). */
  objectName?: string
  /** Name of the unknown column (default `text('unknownColumn')`). */
  unknownColumn?: string
  /** Name of the unknown section (default `text('unknownSection')`). */
  unknownSection?: string
  /** Name of the unknown header key (default `text('unknownKey')`). */
  unknownKey?: string
  /** Leave the trailer out (a truncated archive). */
  noTrailer?: boolean
}

const CAPTURED = filetime('2026-01-02T03:04:05.000Z')

/** The archive's bytes: two handles, two threads, two regions, one aux page, plus unknown content. */
export function hostileArchive(o: HostileOptions = {}): Uint8Array {
  const t = o.text ?? hostile
  const b = new ArchiveBuilder().header({
    producer: { tool: t('tool'), version: t('version') },
    host: { platform: t('platform'), architecture: t('hostArchitecture'), osVersion: t('osVersion'), osBuild: t('osBuild'), machineName: t('machineName') },
    target: { processId: 4242, imagePath: t('imagePath'), architecture: o.architecture ?? t('architecture') },
    capture: { captureFlags: 0x19bd, threadContextFlags: 0x0010_001f, startedAt: t('startedAt'), preset: t('preset') },
    processInformation: { processId: 4242, parentProcessId: 1, priorityClass: 0x20, imageFileName: t('imageFileName'), createTime: CAPTURED },
    handleInformation: { handlesCaptured: 2 },
    threadInformation: { threadsCaptured: 2, contextLength: 1232 },
    vaSpaceInformation: { regionCount: 2 },
    auxiliaryPagesInformation: { auxPagesCaptured: 1 },
    redaction: { method: t('redactionMethod'), redactedAt: t('redactedAt'), fields: [t('redactedField')], contextsDropped: false },
    [o.unknownKey ?? t('unknownKey')]: t('unknownValue'),
  })
  const handleColumns: Record<string, Column> = {
    handle: col.u64([4n, 8n]),
    flags: col.u32([3, 3]),
    objectType: col.u32([0, 5]),
    captureTime: col.u64([CAPTURED, CAPTURED]),
    typeName: col.str([t('typeName'), 'Section']),
    objectName: col.str([o.objectName ?? t('objectName'), null]),
    [o.unknownColumn ?? t('unknownColumn')]: col.u32([1, 2]),
  }
  b.chunk({ section: 'handles', first: 0, count: 2, columns: handleColumns })
  const context = new Uint8Array(1232)
  new DataView(context.buffer).setBigUint64(248, 0x7ff6_1234_5678n, true)
  b.chunk({
    section: 'threads',
    first: 0,
    count: 2,
    columns: {
      threadId: col.u32([5001, 5002]),
      processId: col.u32([4242, 4242]),
      priority: col.i32([-2, 10]),
      createTime: col.u64([CAPTURED, CAPTURED]),
      contextRecord: col.bytes([context, null], o.contextArchitecture ?? t('contextArchitecture')),
      threadName: col.str([t('threadName'), null]),
    },
  })
  b.chunk({
    section: 'vaSpace',
    first: 0,
    count: 2,
    columns: {
      baseAddress: col.u64([0x10000n, 0x20000n]),
      regionSize: col.u64([0x1000n, 0x2000n]),
      state: col.u32([0x1000, 0x1000]),
      protect: col.u32([0x04, 0x20]),
      type: col.u32([0x1000000, 0x20000]),
      mappedFileName: col.str([t('mappedFileName'), null]),
    },
  })
  b.chunk({ section: 'auxiliaryPages', first: 0, count: 1, columns: { address: col.u64([0x7ffe0000n]), pageSize: col.u32([4096]), captureTime: col.u64([CAPTURED]) } })
  b.chunk({ section: o.unknownSection ?? t('unknownSection'), first: 0, count: 1, columns: { x: col.u32([1]) } })
  b.epilogue({
    finishedAt: t('finishedAt'),
    timings: { captureMs: 1, [t('timing')]: 2 },
    captureErrors: [
      { section: o.captureErrorSection ?? 'handles', operation: t('operation'), code: 5, name: t('errorName'), message: t('errorMessage') },
      { section: t('errorSection'), operation: 'walk', code: 6, message: 'second' },
    ],
    [t('epilogueKey')]: 1,
  })
  return b.finish(o.noTrailer ? { trailer: false } : {})
}
