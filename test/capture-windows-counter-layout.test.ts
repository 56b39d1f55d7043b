// The koffi layouts of PROCESS_MEMORY_COUNTERS_EX and FILETIME (capture/windows/counter-structs.ts) against
// spec/abi/win32-process-counters.json, whose numbers mingw-w64 computed from its Windows headers; the numbers are
// checked against the compiler again here (_Static_asserts of each, compiled for x64 and x86) when
// x86_64-w64-mingw32-gcc is installed (CI installs it).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { counterStructs } from '../capture/windows/counter-structs.js'
import { loadKoffi } from '../capture/windows/koffi.js'

type Layout = Record<string, { size: number; offsets: Record<string, number> }>
const TABLE = JSON.parse(readFileSync(fileURLToPath(new URL('../spec/abi/win32-process-counters.json', import.meta.url)), 'utf8')) as { x64: Layout; x86: Layout }
const koffi = await loadKoffi()
const structs = counterStructs(koffi)

function hasMingw(): boolean {
  try {
    execFileSync('x86_64-w64-mingw32-gcc', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// Windows arm64 has the x64 data model (8-byte SIZE_T).
const hostLayout = process.arch === 'ia32' ? 'x86' : process.arch === 'x64' || process.arch === 'arm64' ? 'x64' : undefined

describe('Win32 counter structures', () => {
  it('the table names every member koffi declares, for x64 and x86', () => {
    for (const arch of ['x64', 'x86'] as const) {
      for (const name of ['PROCESS_MEMORY_COUNTERS_EX', 'FILETIME'] as const) {
        expect(Object.keys(TABLE[arch][name]!.offsets)).toEqual(Object.keys((koffi.type(structs[name]) as unknown as { members: object }).members))
      }
    }
  })

  it.runIf(hostLayout)("koffi's layout on this host is Windows' layout", () => {
    const table = TABLE[hostLayout!]
    for (const name of ['PROCESS_MEMORY_COUNTERS_EX', 'FILETIME'] as const) {
      const t = structs[name]
      expect({ size: koffi.sizeof(t), offsets: Object.fromEntries(Object.keys(table[name]!.offsets).map((m) => [m, koffi.offsetof(t, m)])) }).toEqual(table[name])
    }
    // PROCESS_MEMORY_COUNTERS is the _EX form up to PrivateUsage: what a short cb fills.
    expect(table.PROCESS_MEMORY_COUNTERS!.size).toBe(koffi.offsetof(structs.PROCESS_MEMORY_COUNTERS_EX, 'PrivateUsage'))
  })

  it.runIf(hasMingw())('the numbers are those of mingw-w64 headers (x64 and x86)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pssnap-counter-layout-'))
    try {
      for (const [arch, flags] of [['x64', []], ['x86', ['-m32']]] as const) {
        const lines = ['#include <stddef.h>', '#include <windows.h>', '#include <psapi.h>']
        for (const [name, s] of Object.entries(TABLE[arch])) {
          lines.push(`_Static_assert(sizeof(${name}) == ${s.size}, "${arch} sizeof ${name}");`)
          for (const [member, offset] of Object.entries(s.offsets)) lines.push(`_Static_assert(offsetof(${name}, ${member}) == ${offset}, "${arch} ${name}.${member}");`)
        }
        const source = join(dir, `${arch}.c`)
        writeFileSync(source, `${lines.join('\n')}\n`)
        // Throws (and fails the test) on any assertion that does not hold.
        execFileSync('x86_64-w64-mingw32-gcc', [...flags, '-fsyntax-only', source], { stdio: 'pipe' })
      }
      // The check can fail: a wrong number is refused by the compiler.
      const wrong = join(dir, 'wrong.c')
      writeFileSync(wrong, '#include <windows.h>\n#include <psapi.h>\n_Static_assert(sizeof(PROCESS_MEMORY_COUNTERS_EX) == 81, "x");\n')
      expect(() => execFileSync('x86_64-w64-mingw32-gcc', ['-fsyntax-only', wrong], { stdio: 'pipe' })).toThrow()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
