// A `--when` condition: the `--where` language (reader/query.ts) over process counters. Compiled once; the
// counters it names decide what each poll reads (./counters.ts).
import { resolveField } from '../../reader/access.js'
import { compileQuery, parseQuery, type Predicate, type QueryNode } from '../../reader/query.js'
import { COUNTER_NAMES, GROWTH_OF, type CounterName, type Counters } from './counters.js'

export interface Condition {
  text: string
  test: Predicate<Counters>
  /** The counters the condition names (canonical names). */
  counters: ReadonlySet<CounterName>
}

function fieldsOf(node: QueryNode, out: string[]): string[] {
  if (node.type === 'and' || node.type === 'or') {
    fieldsOf(node.left, out)
    fieldsOf(node.right, out)
  } else if (node.type === 'not') fieldsOf(node.expr, out)
  else if ('field' in node) out.push(node.field)
  return out
}

/** Throws QueryError (BAD_QUERY, with the column) for a condition that does not parse or names no counter. */
export function compileCondition(text: string): Condition {
  const options = { fieldNames: COUNTER_NAMES }
  const tree = parseQuery(text)
  const test = compileQuery<Counters>(tree, options)
  const counters = new Set(fieldsOf(tree, []).map((f) => resolveField(undefined, f, options).path as CounterName))
  return { text, test, counters }
}

/** The counters a condition needs read: a growth counter needs its base counter. */
export function countersToRead(condition: Condition | undefined): Set<CounterName> {
  const out = new Set<CounterName>()
  for (const c of condition?.counters ?? []) out.add(GROWTH_OF[c] ?? c)
  return out
}

/** `handleCount > 100 (handleCount 131)`: the condition and the values that met it, for the archive's trigger. */
export function describeTrigger(condition: Condition, counters: Counters): string {
  const values = [...condition.counters].map((c) => `${c} ${counters[c] === undefined ? 'absent' : Number.isInteger(counters[c]) ? counters[c] : counters[c]!.toFixed(1)}`)
  return `${condition.text} (${values.join(', ')})`
}
