// CONTEXT register layouts (format/context.ts, spec §6.2) against spec/abi/abi-{x64,x86,arm64}.json, and
// register decoding from raw CONTEXT bytes.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONTEXT_LAYOUTS, decodeRegisters } from '../format/index.js'

interface AbiContext {
  size: number
  fields: Record<string, { offset: number; size: number }>
}
const abiContext = (arch: string) => (JSON.parse(readFileSync(new URL(`../spec/abi/abi-${arch}.json`, import.meta.url), 'utf8')) as { CONTEXT: AbiContext }).CONTEXT

describe('CONTEXT_LAYOUTS', () => {
  it('has exactly the three architectures with ABI files', () => {
    expect(Object.keys(CONTEXT_LAYOUTS).sort()).toEqual(['arm64', 'x64', 'x86'])
  })

  it.each(['x64', 'x86', 'arm64'])('%s equals the CONTEXT section of its ABI file', (arch) => {
    const abi = abiContext(arch)
    const layout = CONTEXT_LAYOUTS[arch]!
    expect(layout.size).toBe(abi.size)
    expect(layout.registers).toEqual(abi.fields)
    for (const r of [layout.pc, layout.sp, layout.fp]) expect(Object.keys(abi.fields)).toContain(r)
  })

  it('names the spec §6.2 registers', () => {
    expect(Object.keys(CONTEXT_LAYOUTS.x64!.registers).sort()).toEqual(['ContextFlags', 'EFlags', 'Rbp', 'Rip', 'Rsp', 'SegCs'])
    expect(Object.keys(CONTEXT_LAYOUTS.x86!.registers).sort()).toEqual(['ContextFlags', 'EFlags', 'Ebp', 'Eip', 'Esp', 'SegCs'])
    expect(Object.keys(CONTEXT_LAYOUTS.arm64!.registers).sort()).toEqual(['ContextFlags', 'Cpsr', 'Fp', 'Lr', 'Pc', 'Sp'])
  })
})

describe('decodeRegisters', () => {
  it.each(['x64', 'x86', 'arm64'])('reads every %s register at its offset and width, little-endian', (arch) => {
    const layout = CONTEXT_LAYOUTS[arch]!
    const ctx = new Uint8Array(layout.size)
    const view = new DataView(ctx.buffer)
    const expected: Record<string, bigint> = {}
    let k = 1
    for (const [name, r] of Object.entries(layout.registers)) {
      const value = r.size === 8 ? 0x0102_0304_0506_0700n + BigInt(k) : r.size === 4 ? BigInt(0x0a0b_0c00 + k) : BigInt(0x0d00 + k)
      if (r.size === 8) view.setBigUint64(r.offset, value, true)
      else if (r.size === 4) view.setUint32(r.offset, Number(value), true)
      else view.setUint16(r.offset, Number(value), true)
      expected[name] = value
      k++
    }
    expect(decodeRegisters(ctx, arch)).toEqual(expected)
    // Unaligned blobs (a view into a larger buffer) decode the same.
    const shifted = new Uint8Array(layout.size + 3)
    shifted.set(ctx, 3)
    expect(decodeRegisters(shifted.subarray(3), arch)).toEqual(expected)
  })

  it('decodes nothing for a short blob, an unknown architecture or no blob', () => {
    expect(decodeRegisters(new Uint8Array(1231), 'x64')).toBeUndefined()
    expect(decodeRegisters(new Uint8Array(1232), 'mips')).toBeUndefined()
    expect(decodeRegisters(new Uint8Array(1232), undefined)).toBeUndefined()
    expect(decodeRegisters(undefined, 'x64')).toBeUndefined()
    expect(decodeRegisters(new Uint8Array(2000), 'x64')).toBeDefined()
  })
})
