// The koffi binding of processsnapshot.h against the compiler's numbers (spec/abi/abi-{x64,x86,arm64}.json).
// Everything is driven by the JSON, so a structure, field, enum member or function missing from the binding fails.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NAME_TABLES } from '../format/names.js'
import { PSS_FUNCTION_NAMES, pssSignatures } from '../capture/windows/functions.js'
import { loadKoffi, type KoffiType } from '../capture/windows/koffi.js'
import { defineTypes, PSS_ARCHES, PSS_ENUMS, PSS_STRUCT_NAMES, type PssArch } from '../capture/windows/types.js'

interface AbiField {
  name: string
  ctype: string
  offset: number
  size: number
  align: number
  offset_in_parent?: number
}
interface Abi {
  arch: string
  types: Record<string, { size: number; align: number }>
  // value null: not declared by the measured (mingw-w64) header; the note says what the Microsoft SDK declares.
  enums: Record<string, { size: number; underlying_signed: boolean; members: Record<string, { value: number | null; note?: string }> }>
  structs: Record<string, { size: number; align: number; fields: AbiField[] }>
  functions: Record<string, { prototype: string; matches_header: boolean }>
}

const abiOf = (arch: PssArch): Abi => JSON.parse(readFileSync(new URL(`../spec/abi/abi-${arch}.json`, import.meta.url), 'utf8')) as Abi
const ABI = Object.fromEntries(PSS_ARCHES.map((a) => [a, abiOf(a)])) as Record<PssArch, Abi>

const koffi = await loadKoffi()
const hostPointerSize = koffi.sizeof('void *')

/** Offset of a dotted member path (`TypeSpecificInformation.Process.ExitStatus`): koffi.offsetof for struct
 * members (it refuses unions and dotted names), the member's recorded offset (always 0) inside a union. */
function resolve(root: KoffiType, path: string): { offset: number; offsetInParent: number; type: KoffiType } {
  let type = root
  let offset = 0
  let offsetInParent = 0
  for (const segment of path.split('.')) {
    const member = type.members?.[segment]
    if (!member) throw new Error(`${type.name} has no member '${segment}' (path ${path})`)
    if (type.primitive === 'Record') offsetInParent = koffi.offsetof(type, segment)
    else if (type.primitive === 'Union') offsetInParent = member.offset
    else throw new Error(`${path}: '${segment}' is inside a ${type.primitive}`)
    offset += offsetInParent
    type = member.type
  }
  return { offset, offsetInParent, type }
}

const parentOf = (path: string) => (path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '')

describe.each(PSS_ARCHES)('PSS structures, %s layout', (arch) => {
  const abi = ABI[arch]
  const types = defineTypes(koffi, arch)

  it('the JSON is the table for this architecture', () => {
    expect(abi.arch).toBe(arch)
  })

  it('declares exactly the structures the JSON lists', () => {
    expect(Object.keys(types.structs).sort()).toEqual(Object.keys(abi.structs).sort())
    expect([...PSS_STRUCT_NAMES].sort()).toEqual(Object.keys(abi.structs).sort())
  })

  it(`uses ${arch === 'x86' ? '4' : '8'}-byte pointers, as koffi pointer types only when the host has that width`, () => {
    expect(types.pointerSize).toBe(abi.types['void *']!.size)
    expect(types.pointerFields).toBe(types.pointerSize === hostPointerSize ? 'pointer' : 'integer')
    expect(types.allocRoutine === null).toBe(types.pointerFields === 'integer')
  })

  describe.each(Object.keys(abi.structs))('%s', (name) => {
    const table = abi.structs[name]!
    const type = () => {
      const t = types.structs[name as keyof typeof types.structs]
      if (!t) throw new Error(`the binding has no ${name}`)
      return t
    }

    it(`sizeof ${table.size}, alignof ${table.align}`, () => {
      expect(koffi.sizeof(type())).toBe(table.size)
      expect(koffi.alignof(type())).toBe(table.align)
    })

    it.each(table.fields.map((f) => [f.name, f] as const))('%s', (_path, field) => {
      const at = resolve(type(), field.name)
      expect(at.offset, 'offset').toBe(field.offset)
      if (field.offset_in_parent !== undefined) expect(at.offsetInParent, 'offset in parent').toBe(field.offset_in_parent)
      expect(koffi.sizeof(at.type), 'size').toBe(field.size)
      expect(koffi.alignof(at.type), 'align').toBe(field.align)
    })

    it('has the JSON members, in order, and no others (at every nesting level the JSON lists)', () => {
      const children = new Map<string, string[]>()
      for (const f of table.fields) {
        const parent = parentOf(f.name)
        children.set(parent, [...(children.get(parent) ?? []), f.name.slice(parent ? parent.length + 1 : 0)])
      }
      for (const [parent, names] of children) {
        const aggregate = parent ? resolve(type(), parent).type : type()
        expect(Object.keys(aggregate.members ?? {}), parent || name).toEqual(names)
      }
    })
  })
})

describe('x64 and ARM64 share one layout', () => {
  it('the JSON tables agree, so the x64 assertions hold for ARM64 too', () => {
    expect(ABI.arm64.structs).toEqual(ABI.x64.structs)
  })
})

describe.each(PSS_ARCHES)('PSS enums, %s', (arch) => {
  const abi = ABI[arch]

  it('binds every enum the JSON lists, as 4-byte unsigned values (uint32)', () => {
    expect(Object.keys(PSS_ENUMS).sort()).toEqual(Object.keys(abi.enums).sort())
    for (const [name, e] of Object.entries(abi.enums)) {
      expect(e.size, name).toBe(koffi.sizeof('uint32_t'))
      expect(abi.types[name]?.size, name).toBe(4)
      expect(e.underlying_signed, name).toBe(false)
    }
  })

  it.each(Object.keys(abi.enums))('%s: every member value equals format/names.ts', (name) => {
    const table = NAME_TABLES[name as keyof typeof NAME_TABLES]
    expect(table, `format/names.ts has no ${name} table`).toBeDefined()
    expect(PSS_ENUMS[name as keyof typeof PSS_ENUMS]).toBe(table)
    const members = abi.enums[name]!.members
    for (const [member, { value, note }] of Object.entries(members)) {
      if (value !== null) {
        expect(table.values[member], member).toBe(value)
      } else {
        // PSS_WALK_THREAD_NAME: SDK-only, so not compiler-measured; names.ts carries the SDK value the note states.
        const sdk = /declares it as (\d+)/.exec(note ?? '')
        expect(sdk, `${member} has no value and no SDK value in its note`).not.toBeNull()
        expect(table.values[member], `${member} (SDK header only)`).toBe(Number(sdk![1]))
      }
    }
    expect(Object.keys(table.values).sort(), 'names.ts has no members the header lacks').toEqual(Object.keys(members).sort())
  })
})

describe.each(['x64', 'arm64'] as const)('PSS functions against the %s prototypes', (arch) => {
  const abi = ABI[arch]
  const signatures = pssSignatures(koffi)
  const pointerSize = abi.types['void *']!.size
  const hostMatches = pointerSize === hostPointerSize

  it('declares exactly the ten functions of the header', () => {
    expect([...PSS_FUNCTION_NAMES].sort()).toEqual(Object.keys(abi.functions).sort())
  })

  it.runIf(hostMatches).each([...PSS_FUNCTION_NAMES])('%s: __stdcall, DWORD result, parameter sizes and directions', (name) => {
    const entry = abi.functions[name]!
    expect(entry.matches_header).toBe(true)
    const m = /^DWORD WINAPI (\w+)\((.*)\)$/.exec(entry.prototype)
    expect(m?.[1]).toBe(name)
    const ctypes = m![2]!.split(', ')
    const sig = signatures[name]
    expect(sig.convention).toBe('__stdcall')
    // Anonymous prototype: checks koffi accepts the declaration without loading any library.
    const proto = koffi.proto(sig.convention, sig.result, sig.parameters.map(([, t]) => t))
    expect(proto.proto!.result.size).toBe(abi.types.DWORD!.size)
    // koffi's typings say TypeObject[], but each argument is { type, direction } at run time.
    const args = proto.proto!.arguments as unknown as { type: KoffiType; direction: string }[]
    expect(args).toHaveLength(ctypes.length)
    args.forEach((arg, i) => {
      const ctype = ctypes[i]!
      const isPointer = ctype.endsWith('*')
      expect(arg.type.size, `${name} parameter ${i} (${ctype})`).toBe(isPointer ? pointerSize : abi.types[ctype]!.size)
      const isOut = isPointer && ctype !== 'void *' && !ctype.startsWith('const ')
      expect(arg.direction, `${name} parameter ${i} (${ctype})`).toBe(isOut ? 'Output' : 'Input')
    })
  })
})
