// The koffi layouts of PROCESSENTRY32W and RTL_OSVERSIONINFOW (capture/windows/process-structs.ts) against the
// numbers in test/win32-layout/process_structs.c, which are proven there against mingw-w64's Windows headers
// (compiled here when x86_64-w64-mingw32-gcc is installed; the provenance is written in that file).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadKoffi } from '../capture/windows/koffi.js'
import { processStructs } from '../capture/windows/process-structs.js'

const SOURCE = fileURLToPath(new URL('./win32-layout/process_structs.c', import.meta.url))
const koffi = await loadKoffi()
const structs = processStructs(koffi)

type Row = { arch: string; struct: keyof typeof structs; member: string | undefined; value: number }
const rows: Row[] = [...readFileSync(SOURCE, 'utf8').matchAll(/^(SIZE|OFFSET)\((x64|x86), (\w+), (?:(\w+), )?(\d+)\);$/gm)].map((m) => ({
  arch: m[2]!,
  struct: m[3] as keyof typeof structs,
  member: m[1] === 'OFFSET' ? m[4] : undefined,
  value: Number(m[5]),
}))

function hasMingw(): boolean {
  try {
    execFileSync('x86_64-w64-mingw32-gcc', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

// Windows arm64 has the x64 data model (8-byte pointers and ULONG_PTR, 4-byte DWORD and LONG).
const hostLayout = process.arch === 'ia32' ? 'x86' : process.arch === 'x64' || process.arch === 'arm64' ? 'x64' : undefined

describe('Win32 process structures', () => {
  it('the table covers every member of both structures, for x64 and x86', () => {
    for (const arch of ['x64', 'x86']) {
      for (const name of ['PROCESSENTRY32W', 'RTL_OSVERSIONINFOW'] as const) {
        const members = rows.filter((r) => r.arch === arch && r.struct === name && r.member).map((r) => r.member)
        expect(members).toEqual(Object.keys((koffi.type(structs[name]) as unknown as { members: object }).members))
        expect(rows.some((r) => r.arch === arch && r.struct === name && r.member === undefined)).toBe(true)
      }
    }
  })

  it.runIf(hostLayout)("koffi's layout on this host is Windows' layout", () => {
    const host = rows.filter((r) => r.arch === hostLayout)
    const actual = host.map((r) => ({ ...r, value: r.member === undefined ? koffi.sizeof(structs[r.struct]) : koffi.offsetof(structs[r.struct], r.member) }))
    expect(actual).toEqual(host)
  })

  it.runIf(hasMingw())('the numbers are those of mingw-w64 headers (x64 and x86)', () => {
    // Throws (and fails the test) on any _Static_assert that does not hold.
    execFileSync('x86_64-w64-mingw32-gcc', ['-fsyntax-only', SOURCE], { stdio: 'pipe' })
    execFileSync('x86_64-w64-mingw32-gcc', ['-m32', '-fsyntax-only', SOURCE], { stdio: 'pipe' })
  })
})
