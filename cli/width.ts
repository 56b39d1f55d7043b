// How wide a table may be: the terminal's width on a terminal, else COLUMNS when set (a script or test asking
// for a width), else unlimited: piped or redirected output is never cut, so no data is lost to `grep`.
// `--wide` turns cutting off everywhere.

export function tableWidth(args: Record<string, unknown>, stream: { isTTY?: boolean; columns?: number } = process.stdout): number | undefined {
  if (args.wide === true) return undefined
  if (stream.isTTY && typeof stream.columns === 'number' && stream.columns > 0) return stream.columns
  const fromEnv = Number(process.env.COLUMNS)
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : undefined
}
