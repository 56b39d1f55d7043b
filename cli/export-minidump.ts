// `pssnap export --format minidump`: open, write the minidump (minidump/), save it through the safe output
// helpers (temporary file + rename, 0600, never a device or the input). Thin: the layout lives in minidump/.
import { archiveDamage, damageLine } from '../reader/damage.js'
import { safeText } from '../reader/display.js'
import { writeMinidump } from '../minidump/index.js'
import { CliError, outputTarget, styleFor } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>
const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

export async function exportMinidump(args: Args): Promise<number> {
  const path = str(args.archive)!
  const output = str(args.output)
  if ((output === undefined || output === '-') && process.stdout.isTTY) throw new CliError('BAD_OUTPUT', 'a minidump is binary: give -o <file>.dmp (or redirect stdout)')
  if (args.section !== undefined || args.where !== undefined || args.columns !== undefined) throw new CliError('BAD_OPTION', '--section, --where and --columns do not apply to --format minidump: it holds every section the minidump has a stream for')
  const archive = await openForCli(path)
  const damage = archiveDamage(archive)
  const line = damageLine(damage, safeText(path))
  const color = typeof args.color === 'boolean' ? args.color : undefined
  if (line) process.stderr.write(`${styleFor(process.stderr, color).yellow(line)}\n`)
  const { parts, summary } = writeMinidump(archive)
  const target = await outputTarget(output, { force: args.force === true, inputs: [path] })
  try {
    // Output.write takes text for the other formats; the file and stdout streams take bytes as they are. The
    // pieces in order (the archive's context blobs and memory among them, never copied into one array).
    for (const part of parts) await target.write(part as unknown as string)
    await target.close()
  } catch (error) {
    await target.abort()
    throw error
  }
  if (summary.linuxMapsTooLarge) process.stderr.write('note: LinuxMaps left out: the regions would spell out more than 256 MiB of maps text (a real process has about 100 bytes a mapping)\n')
  if (summary.contextsLeftOut > 0) process.stderr.write(`note: ${summary.contextsLeftOut} thread contexts have an architecture a minidump cannot hold here; those threads have no context\n`)
  if (output !== undefined && output !== '-' && process.stderr.isTTY) {
    process.stderr.write(`${styleFor(process.stderr, color).dim(`wrote ${safeText(output)} (${summary.platform} minidump: ${summary.streams.join(', ')})`)}\n`)
  }
  return args.strict === true && !damage.complete ? 1 : 0
}
