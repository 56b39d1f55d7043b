// Names of enum and flag values (format/names.ts, spec §7) against the compiler-computed values in
// spec/abi/abi-*.json, and how unknown values and leftover flag bits are shown.
import { constants as fsConstants, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NAME_TABLES, enumName, flagNames, nameValue, parseFlags, type NameTable } from '../format/index.js'

interface Abi {
  enums: Record<string, { members: Record<string, { value: number | null } | null> }>
  constants: Record<string, { value: number } | null>
}
const abi = (arch: string) => JSON.parse(readFileSync(new URL(`../spec/abi/abi-${arch}.json`, import.meta.url), 'utf8')) as Abi
const x64 = abi('x64')
const tables = NAME_TABLES as Record<string, NameTable>

describe('PSS enum tables', () => {
  it.each(Object.keys(x64.enums))('%s has exactly the values of abi-x64.json', (name) => {
    const table = tables[name]
    expect(table, `format/names.ts has no table ${name}`).toBeDefined()
    const members = Object.entries(x64.enums[name]!.members)
    for (const [member, info] of members) {
      // PSS_WALK_THREAD_NAME is declared only by the Microsoft SDK: mingw (what the ABI files compile)
      // has no value for it, names.ts carries the SDK's 4.
      if (info === null || info.value === null) {
        expect(`${name}.${member}`).toBe('PSS_WALK_INFORMATION_CLASS.PSS_WALK_THREAD_NAME')
        expect(table!.values[member]).toBe(4)
        continue
      }
      expect(table!.values[member], `${name}.${member}`).toBe(info.value)
    }
    expect(Object.keys(table!.values).sort()).toEqual(members.map(([m]) => m).sort())
  })

  it('covers the eight PSS tables spec §7 lists', () => {
    expect(Object.keys(x64.enums).sort()).toEqual(
      ['PSS_CAPTURE_FLAGS', 'PSS_DUPLICATE_FLAGS', 'PSS_HANDLE_FLAGS', 'PSS_OBJECT_TYPE', 'PSS_PROCESS_FLAGS', 'PSS_QUERY_INFORMATION_CLASS', 'PSS_THREAD_FLAGS', 'PSS_WALK_INFORMATION_CLASS'],
    )
  })

  it.each(['x86', 'arm64'])('abi-%s.json has the same enum values as x64', (arch) => {
    expect(abi(arch).enums).toEqual(x64.enums)
  })

  it('has the MEM_* and CONTEXT_* values of abi-x64.json constants', () => {
    const constant = (n: string) => x64.constants[n]?.value
    for (const [n, v] of Object.entries(tables.MEM_STATE!.values)) expect(v, n).toBe(constant(n))
    for (const [n, v] of Object.entries(tables.MEM_TYPE!.values)) expect(v, n).toBe(constant(n))
    for (const [n, v] of Object.entries(tables.CONTEXT_FLAGS_X64!.values)) if (n !== 'CONTEXT_AMD64') expect(v, n).toBe(constant(n))
  })

  it('marks flag families as flags and enums as enums', () => {
    const flags = Object.entries(tables).filter(([, t]) => t.isFlags).map(([n]) => n).sort()
    expect(flags).toEqual(['CONTEXT_FLAGS_X64', 'LINUX_MAPS_PERMISSIONS', 'LINUX_OPEN_FLAGS', 'PAGE_PROTECTION', 'PSS_CAPTURE_FLAGS', 'PSS_DUPLICATE_FLAGS', 'PSS_HANDLE_FLAGS', 'PSS_PROCESS_FLAGS', 'PSS_THREAD_FLAGS'])
  })
})

describe('LINUX_OPEN_FLAGS (format 1.1)', () => {
  const table = NAME_TABLES.LINUX_OPEN_FLAGS
  it('has the values of this Linux host (Node exposes its <fcntl.h> constants)', () => {
    const host = fsConstants as unknown as Record<string, number | undefined>
    let compared = 0
    for (const [name, value] of Object.entries(table.values)) {
      // glibc defines O_LARGEFILE as 0 on 64-bit hosts; fdinfo shows the kernel's bit (0o100000).
      if (name === 'O_LARGEFILE' || host[name] === undefined) continue
      expect(value, name).toBe(host[name])
      compared++
    }
    expect(compared).toBeGreaterThanOrEqual(12)
  })
  it('names what fdinfo shows, the access mode included', () => {
    expect(flagNames(table, 0o2100002)).toBe('RDWR|LARGEFILE|CLOEXEC')
    expect(flagNames(table, 0o100000)).toBe('RDONLY|LARGEFILE')
    expect(flagNames(table, 0o3)).toBe('0x3')
    expect(flagNames(table, 0)).toBe('RDONLY')
    expect(flagNames(table, 0o4010001)).toBe('WRONLY|SYNC')
    expect(parseFlags(table, 'O_RDWR|CLOEXEC')).toBe(0o2000002)
  })
})

describe('showing values', () => {
  const t = NAME_TABLES
  it('names known enum values and shows unknown ones as numbers', () => {
    expect(enumName(t.PSS_OBJECT_TYPE, 5)).toBe('SECTION')
    expect(enumName(t.PSS_OBJECT_TYPE, 5, false)).toBe('PSS_OBJECT_TYPE_SECTION')
    expect(enumName(t.PSS_OBJECT_TYPE, 99)).toBe('99')
    expect(enumName(t.MEM_STATE, 0x10000)).toBe('FREE')
    expect(enumName(t.MEM_TYPE, 0)).toBe('0')
  })

  it('names flag bits and shows leftover bits in hex', () => {
    expect(flagNames(t.PSS_HANDLE_FLAGS, 0)).toBe('NONE')
    expect(flagNames(t.PSS_HANDLE_FLAGS, 0xf).split('|').sort()).toEqual(['HAVE_BASIC_INFORMATION', 'HAVE_NAME', 'HAVE_TYPE', 'HAVE_TYPE_SPECIFIC_INFORMATION'])
    expect(flagNames(t.PSS_HANDLE_FLAGS, 0x1 | 0x40)).toBe('HAVE_TYPE|0x40')
    expect(flagNames(t.PSS_THREAD_FLAGS, 0x80000001)).toBe('TERMINATED|0x80000000')
    expect(flagNames(t.PAGE_PROTECTION, 0x104).split('|').sort()).toEqual(['GUARD', 'READWRITE'])
    expect(flagNames(t.PAGE_PROTECTION, 0)).toBe('0')
    expect(nameValue(t.PSS_CAPTURE_FLAGS, 0x400019bd).split('|')).toContain('CREATE_MEASURE_PERFORMANCE')
  })

  it('names CONTEXT flags whose members share the CONTEXT_AMD64 bit', () => {
    const names = (v: number) => flagNames(t.CONTEXT_FLAGS_X64, v).split('|').sort()
    expect(names(0x10001f)).toEqual(['CONTROL', 'DEBUG_REGISTERS', 'FLOATING_POINT', 'INTEGER', 'SEGMENTS']) // CONTEXT_ALL
    expect(names(0x10000b)).toEqual(['CONTROL', 'FLOATING_POINT', 'INTEGER']) // CONTEXT_FULL
    expect(names(0x100000)).toEqual(['AMD64'])
    expect(names(0x100001 | 0x200)).toEqual(['0x200', 'CONTROL'])
  })

  it('parses names, prefixed names and numbers back', () => {
    expect(parseFlags(t.PSS_HANDLE_FLAGS, 'HAVE_TYPE|HAVE_NAME')).toBe(0x3)
    expect(parseFlags(t.PSS_CAPTURE_FLAGS, 'CAPTURE_HANDLES|CAPTURE_THREADS')).toBe(0x84)
    expect(parseFlags(t.PSS_CAPTURE_FLAGS, 'PSS_CAPTURE_VA_CLONE, 0x80 4')).toBe(0x85)
    expect(() => parseFlags(t.PSS_CAPTURE_FLAGS, 'NOPE')).toThrow(RangeError)
  })
})
