// How one name (a file path, an object name, a registry key, a thread name) becomes its pseudonym while
// keeping the shape a person debugging needs: every separator, the depth, the root or drive, public folder
// names, numbers, the file extension and module base names stay; each other component is replaced by a
// keyed pseudonym of that component alone, so a folder gets the same pseudonym in every path it appears in.
import type { PseudonymMaker } from './pseudonyms.js'
import { extensionOf, isKernelPseudoName, isPublicComponent, isShapeOnly, isSharedProfile, looksLikeModule } from './vocabulary.js'

export interface NameContext {
  /** The capture machine's name (host.machineName), matched ignoring case. */
  readonly machineName?: string
  /** Base names of the archive's MEM_IMAGE files and of the target image (modules without an extension). */
  readonly moduleNames: ReadonlySet<string>
  /** Replace module base names too (`--redact-modules`). */
  readonly redactModules: boolean
  /**
   * Names that must not survive anywhere (user and machine names found in the archive, at least 3
   * characters): a component that would be kept but contains one is replaced instead.
   */
  readonly sensitive: readonly string[]
}

const DELETED = ' (deleted)'

/** Users found in profile paths: `C:\Users\<name>`, `\Device\HarddiskVolume3\Users\<name>`, `/home/<name>`, `/Users/<name>`, `/root`. */
export function profileUsers(value: string): string[] {
  const parts = value.split(/[\\/]/)
  const out: string[] = []
  for (let i = 1; i < parts.length; i++) {
    if (isProfileSlot(parts, i, value)) out.push(parts[i]!)
  }
  return out
}

/** Whether component `i` of a split path is a user-profile folder's name. */
function isProfileSlot(parts: readonly string[], i: number, value: string): boolean {
  const name = parts[i]!
  if (i === 0 || name === '' || isSharedProfile(name)) return false
  const parent = parts[i - 1]!.toLowerCase()
  if (parent === 'users' || parent === 'home') {
    // The folder must hang off a root: '' (leading separator), a drive, or a volume device.
    const root = i >= 2 ? parts[i - 2]! : undefined
    return root === '' || (root !== undefined && /^(?:[A-Za-z]:|HarddiskVolume\d+)$/i.test(root))
  }
  // /root: root's home on Unix (forward slashes only).
  return i === 1 && parts[0] === '' && name === 'root' && value.startsWith('/root')
}

const SID = /^S-1-(\d+)((?:-\d+)+)$/i

export class NameRedactor {
  private readonly cache = new Map<string, string>()
  private readonly sensitiveLower: string[]
  /** Lowered once: a hostile 100k-character machine name, lowered again per path component, cost seconds. */
  private readonly machineLower: string | undefined
  private readonly hostNames = new Map<string, string>()

  constructor(
    private readonly maker: PseudonymMaker,
    private readonly context: NameContext,
  ) {
    this.sensitiveLower = context.sensitive.filter((s) => s.length >= 3).map((s) => s.toLowerCase())
    this.machineLower = context.machineName?.toLowerCase()
  }

  /** The redacted form of a whole name (memoised). */
  redact(value: string): string {
    const known = this.cache.get(value)
    if (known !== undefined) return known
    const out = this.rewrite(value)
    this.cache.set(value, out)
    return out
  }

  /** The value's redacted form if it was computed already (after `redact`). */
  redacted(value: string): string | undefined {
    return this.cache.get(value)
  }

  /** Every name redacted so far: original → redacted. */
  get names(): ReadonlyMap<string, string> {
    return this.cache
  }

  private rewrite(value: string): string {
    if (isKernelPseudoName(value)) return value
    let body = value
    let suffix = ''
    if (body.endsWith(DELETED) && body.length > DELETED.length) {
      body = body.slice(0, -DELETED.length)
      suffix = DELETED
    }
    // split with a capture group keeps each separator: [component, sep, component, sep, …].
    const pieces = body.split(/([\\/])/)
    const parts = pieces.filter((_, i) => i % 2 === 0)
    const out: string[] = []
    for (let i = 0; i < pieces.length; i++) {
      if (i % 2 === 1) {
        out.push(pieces[i]!)
        continue
      }
      const k = i / 2
      out.push(this.component(parts, k, k === parts.length - 1, body))
    }
    return out.join('') + suffix
  }

  private component(parts: readonly string[], i: number, last: boolean, value: string): string {
    const c = parts[i]!
    if (c === '') return c
    const { machineName } = this.context
    if (machineName && c.toLowerCase() === this.machineLower) return this.host(machineName)
    if (isProfileSlot(parts, i, value)) return this.pseudonym(c, 'user-', false)
    const sid = SID.exec(c) ?? /^(S-1-(\d+)((?:-\d+)+))_Classes$/i.exec(c)
    if (sid) return this.sid(c)
    const memfd = /^memfd:(.+)$/.exec(c)
    if (memfd) return `memfd:${this.pseudonym(memfd[1]!, 'n-', last)}`
    if (this.keeps(c, last)) return c
    return this.pseudonym(c, 'n-', last)
  }

  private keeps(c: string, last: boolean): boolean {
    const kept = isPublicComponent(c) || isShapeOnly(c) || (last && !this.context.redactModules && (looksLikeModule(c) || this.context.moduleNames.has(c)))
    return kept && !this.containsSensitive(c)
  }

  containsSensitive(text: string): boolean {
    const lower = text.toLowerCase()
    return this.sensitiveLower.some((s) => lower.includes(s))
  }

  /** `n-1a2b3c4d5e` (+ the extension for a last component), `user-…` for a profile folder. */
  private pseudonym(c: string, prefix: string, last: boolean): string {
    const hex = this.maker.hex('name', c)
    const ext = last ? extensionOf(c) : undefined
    const keepExt = ext !== undefined && !this.containsSensitive(ext)
    const out = `${prefix}${hex}${keepExt ? ext : ''}`
    this.maker.record(`${prefix}${hex}`, keepExt ? c.slice(0, -ext.length) : c)
    return out
  }

  host(machineName: string): string {
    const known = this.hostNames.get(machineName)
    if (known !== undefined) return known
    const hex = this.maker.hex('host', machineName.toLowerCase())
    this.maker.record(`host-${hex}`, machineName)
    this.hostNames.set(machineName, `host-${hex}`)
    return `host-${hex}`
  }

  /**
   * SIDs with at least four sub-authorities (`S-1-5-21-<domain: 3 numbers>-<RID>`, app-container SIDs)
   * identify a machine or domain: the numbers between the first and the last (the RID) are replaced by
   * keyed numbers, so the result is still a SID, the same domain gives the same pseudonym everywhere, and
   * well-known SIDs (`S-1-5-18`, `S-1-5-32-544`) stay as they are.
   */
  private sid(c: string): string {
    const classes = /_Classes$/i.exec(c)?.[0] ?? ''
    const sid = classes ? c.slice(0, -classes.length) : c
    const fields = sid.split('-')
    const subs = fields.slice(3)
    if (subs.length < 4) return c
    // S-1-5-21-<domain: 3 numbers>[-RID]: exactly the domain goes; other long SIDs keep their last number.
    const domainSid = subs[0] === '21'
    const middle = domainSid ? subs.slice(1, 4) : subs.slice(1, -1)
    const rest = domainSid ? subs.slice(4) : subs.slice(-1)
    const replaced = this.maker.numbers('sid', middle.join('-'), middle.length)
    const prefix = fields.slice(0, 4).join('-')
    const pseudo = [prefix, ...replaced.map(String)].join('-')
    this.maker.record(pseudo, [prefix, ...middle].join('-'))
    return `${[pseudo, ...rest].join('-')}${classes}`
  }
}
