// `pssnap redact`: a copy of an archive fit to attach to a bug report (reader/redact/, spec/REDACTION.md).
// The CLI reads the key, opens the input, writes the output and the optional map through temporary files.
import { readFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { archiveDamage, damageLine } from '../reader/damage.js'
import { safeText } from '../reader/display.js'
import { planRedaction } from '../reader/redact/redact.js'
import { writeArchiveFile } from '../reader/node.js'
import { formatSize } from '../reader/text.js'
import { interruptSignal, interruption } from './interrupt.js'
import { checkOutput, CliError, count, fileOutput, plural, stdoutOutput, styleFor } from './io.js'
import { openForCli } from './open.js'

type Args = Record<string, unknown>

/** The key's bytes: `--key` as UTF-8, or `--key-file` as stored (one trailing newline ignored, as `echo` adds). */
async function readKey(args: Args): Promise<Uint8Array | undefined> {
  let key: Uint8Array | undefined
  if (typeof args.key === 'string') key = new TextEncoder().encode(args.key)
  if (typeof args['key-file'] === 'string') {
    const bytes = new Uint8Array(await readFile(args['key-file']))
    const end = bytes.at(-1) === 0x0a ? (bytes.at(-2) === 0x0d ? bytes.length - 2 : bytes.length - 1) : bytes.length
    key = bytes.subarray(0, end)
  }
  if (key !== undefined && key.length === 0) throw new CliError('REDACT_KEY', 'the redaction key is empty')
  return key
}

/** Names the file asked for when the temporary one beside it fails. */
function nameTarget(path: string, error: unknown): never {
  const e = error as NodeJS.ErrnoException
  if (typeof e?.path === 'string' && basename(e.path).startsWith(`.${basename(path)}.`)) {
    throw new CliError(e.code ?? 'EIO', `cannot write '${path}': ${/^[A-Z]+: (.*?), \w+/.exec(e.message)?.[1] ?? e.message}`)
  }
  throw error
}

export async function redact(args: Args): Promise<number> {
  const input = String(args.archive)
  const output = String(args.output)
  const mapPath = typeof args.map === 'string' ? args.map : undefined
  if (resolve(input) === resolve(output)) throw new CliError('SAME_FILE', `the output '${output}' is the input: write the redacted copy elsewhere`)
  if (mapPath !== undefined && [resolve(input), resolve(output)].includes(resolve(mapPath))) throw new CliError('SAME_FILE', `the map '${mapPath}' must be a file of its own`)
  // Refused before any work: a destination that is not a regular file, an input (also by a link), or exists without --force.
  const force = args.force === true
  await checkOutput(output, { force, inputs: [input] })
  if (mapPath !== undefined) await checkOutput(mapPath, { force, inputs: [input, output] })
  const key = await readKey(args)
  const archive = await openForCli(input)
  const err = styleFor(process.stderr, typeof args.color === 'boolean' ? args.color : undefined)
  // Redaction refuses a damaged input (REDACT_INPUT_DAMAGED); the line first says what is missing.
  const damage = damageLine(archiveDamage(archive), safeText(input))
  if (damage) process.stderr.write(`${err.yellow(damage)}\n`)
  const plan = await planRedaction(archive, {
    ...(key ? { key } : {}),
    keepContexts: args['keep-contexts'] === true,
    keepPages: args['keep-pages'] === true,
    redactModules: args['redact-modules'] === true,
  })
  // SIGINT / SIGTERM while writing: the temporary file goes, `output` stays as it was, exit 130 / 143.
  const signal = interruptSignal()
  const written = await writeArchiveFile(output, plan.header, (w) => plan.fill(w), plan.epilogue, { ...plan.writerOptions, signal, overwrite: force, inputs: [input] }).catch((e: unknown) => {
    const stopped = interruption(signal, `redaction stopped; nothing written to '${output}'`)
    if (stopped) throw stopped
    return nameTarget(output, e)
  })
  if (mapPath !== undefined) {
    const out = fileOutput(mapPath, { force, inputs: [input, output] })
    try {
      await out.write(`${JSON.stringify(plan.map(), null, 2)}\n`)
      await out.close()
    } catch (error) {
      await out.abort()
      throw error
    }
  }

  const s = plan.summary
  const notes: string[] = []
  if (s.randomKey) notes.push('no --key given: a random key was used, so these pseudonyms match no other redaction (give the same --key to redact archives you want to compare)')
  // Dropped names come from the archive (a newer writer's keys): escaped, cut, and at most 50 listed.
  if (s.dropped.length) notes.push(`not carried over (unknown to this pssnap): ${s.dropped.slice(0, 50).map((d) => safeText(d, { max: 128 })).join(', ')}${s.dropped.length > 50 ? `, … and ${count(s.dropped.length - 50)} more` : ''}`)
  if (s.collisions) notes.push(`${plural(s.collisions, 'pseudonym')} collided and were lengthened`)
  if (mapPath !== undefined) notes.push(`'${safeText(mapPath)}' maps every pseudonym back to its original: keep it private`)
  for (const n of notes) process.stderr.write(`${err.yellow('note')}: ${n}\n`)
  const dropped = [s.contextsDropped ? `${plural(s.contextsDropped, 'thread context')} dropped` : undefined, s.pagesDropped ? `${plural(s.pagesDropped, 'page')} of memory dropped` : undefined].filter(Boolean)
  await stdoutOutput().write(
    `redacted ${safeText(input)} → ${safeText(output)} (${formatSize(written.bytes)}): ${plural(s.names, 'name')} replaced by ${count(s.pseudonyms)} pseudonyms` +
      `${s.users ? `, ${plural(s.users, 'user')} hidden` : ''}${dropped.length ? `, ${dropped.join(', ')}` : ''}\n`,
  )
  return 0
}
