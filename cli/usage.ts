// A usage error as a person wants it: the problem, what was probably meant, and where the help is, in at
// most three lines (the whole help before the one line that matters hid it). Exit 2 is cli/main.ts's.
import { safeText } from '../reader/display.js'
import { suggest } from '../reader/suggest.js'

export interface UsageContext {
  /** The arguments as given (after `node cli.js`). */
  argv: readonly string[]
  /** Every command name. */
  commands: readonly string[]
  /** yargs's message (`Unknown argument: limt`, `Not enough non-option arguments…`). */
  message: string
  /** The help text yargs would print for the command at hand: its options are read from it. */
  help: string
}

/** Option names (`limit`, `where`, …) a help text lists. */
export function optionNamesOf(help: string): string[] {
  const names = new Set<string>()
  for (const m of help.matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)) names.add(m[1]!)
  return [...names]
}

const didYouMean = (hits: readonly string[]) => (hits.length ? `did you mean ${hits.join(' or ')}?` : undefined)

/** The lines to print for a usage error (at most three): problem, did-you-mean, help hint. */
export function usageLines(ctx: UsageContext): string[] {
  const firstWord = ctx.argv.find((a) => !a.startsWith('-'))
  const command = firstWord !== undefined && ctx.commands.includes(firstWord) ? firstWord : undefined
  const prefix = `pssnap${command ? ` ${command}` : ''}`
  const hint = `Run '${prefix} --help' for ${command ? 'its options and examples' : 'the commands'}.`
  const lines = (problem: string, meant?: string) => [`${prefix}: ${safeText(problem)}`, ...(meant ? [safeText(meant)] : []), hint]

  if (firstWord !== undefined && command === undefined && ctx.argv.indexOf(firstWord) === 0) {
    return lines(`unknown command '${firstWord}'`, didYouMean(suggest(firstWord, ctx.commands, 2).map((c) => `'pssnap ${c}'`)))
  }
  const unknown = /^Unknown arguments?: (.*)$/s.exec(ctx.message)
  if (unknown) {
    const names = unknown[1]!.split(', ')
    const options = optionNamesOf(ctx.help)
    const given = names.map((name) => {
      const asOption = ctx.argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`)
      return { name, asOption }
    })
    const firstOption = given.find((g) => g.asOption)
    if (firstOption) {
      const others = given.length > 1 ? ` (and ${given.length - 1} more unknown)` : ''
      return lines(`unknown option --${firstOption.name}${others}`, didYouMean(suggest(firstOption.name, options, 2).map((o) => `--${o}`)))
    }
    // A word the command does not take: say what it does take.
    const word = given[0]!.name
    if (command === 'ps') return lines(`unexpected argument '${word}': ps lists every process and takes no name`, `to filter: pssnap ps --where "name ~ ${word.replace(/["\\]/g, '')}"`)
    const positionals = /^pssnap \S+((?: <[^>]+>| \[[^\]]+\])*)/.exec(ctx.help)?.[1]?.trim()
    return lines(`unexpected argument '${word}'${command ? `: ${command} takes ${positionals ? positionals : 'options only'}` : ''}`)
  }
  const missing = /^Not enough non-option arguments/.test(ctx.message)
  if (missing) {
    const positionals = /^pssnap \S+((?: <[^>]+>| \[[^\]]+\])*)/.exec(ctx.help)?.[1]?.trim()
    return lines(`missing argument${positionals ? `: ${prefix} ${positionals}` : ''}`)
  }
  // Other yargs and .check() messages: one line.
  const oneLine = ctx.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
  return lines(oneLine.replace(/^Choose a command\.$/, 'choose a command'))
}
