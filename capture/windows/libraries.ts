// Which DLLs the Windows backend binds: kernel32.dll and ntdll.dll on Windows, or one explicit library that
// exports everything (the tests' fake, test/fake-pss/). The defaults are refused off Windows with the same
// typed error capture gives there.
import { captureUnavailableReason } from '../errors.js'

export interface WindowsLibraries {
  kernel32: string
  ntdll: string
}

export function windowsLibraries(library?: string): WindowsLibraries {
  if (library !== undefined) return { kernel32: library, ntdll: library }
  const platform = globalThis.process?.platform ?? 'unknown'
  if (platform !== 'win32') throw captureUnavailableReason(platform)
  return { kernel32: 'kernel32.dll', ntdll: 'ntdll.dll' }
}
