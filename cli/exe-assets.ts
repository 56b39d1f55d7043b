// Files dist/ holds beside the CLI that the one-file executables carry as SEA assets instead
// (scripts/build-exe.mjs): the viewer bundle of `report` and `view`. `__PSSNAP_EXE__` is defined only by that
// build, so dist/cli.js never looks for node:sea.
declare const __PSSNAP_EXE__: boolean | undefined

/** True inside pssnap-linux-x64 / pssnap-win-x64.exe. */
export const inExecutable: boolean = typeof __PSSNAP_EXE__ === 'boolean' && __PSSNAP_EXE__

/** The text of the embedded asset `name`, or undefined outside an executable (or when it has none). */
export function exeAsset(name: string): string | undefined {
  if (!inExecutable) return undefined
  const sea = process.getBuiltinModule('node:sea') as typeof import('node:sea')
  try {
    return sea.getAsset(name, 'utf8')
  } catch {
    return undefined
  }
}
