// Thread contexts as the minidump holds them (spec/MINIDUMP.md §4): Windows CONTEXTs as stored, Linux register
// sets (NT_PRSTATUS) moved into the CONTEXT of their architecture.
import { contextArchitectureOf } from '../format/index.js'
import * as L from './layout.js'

/**
 * The thread's context as the minidump holds it: a Windows CONTEXT as stored; a Linux x64 register set
 * (NT_PRSTATUS) moved into the x64 CONTEXT's integer, control and segment fields. Undefined when there is none
 * or its architecture has no minidump form here.
 */
export function minidumpContext(context: Uint8Array | undefined, fallback: string | undefined): Uint8Array | undefined {
  if (!context || context.length === 0) return undefined
  const arch = contextArchitectureOf(context) ?? fallback
  if (arch === 'x64' || arch === 'x86' || arch === 'arm64') return context
  if (arch === 'linux-x64' && context.length >= L.USER_REGS_X64_SIZE) {
    const src = new DataView(context.buffer, context.byteOffset, context.byteLength)
    const out = new Uint8Array(L.CONTEXT_AMD64_SIZE)
    const dst = new DataView(out.buffer)
    dst.setUint32(L.CONTEXT_AMD64.ContextFlags, L.CONTEXT_AMD64_FULL_INTEGER, true)
    for (const [name, offset, width] of L.USER_REGS_TO_CONTEXT) {
      const v = src.getBigUint64(L.USER_REGS_X64.indexOf(name) * 8, true)
      if (width === 8) dst.setBigUint64(offset, v, true)
      else if (width === 4) dst.setUint32(offset, Number(v & 0xffffffffn), true)
      else dst.setUint16(offset, Number(v & 0xffffn), true)
    }
    return out
  }
  if (arch === 'linux-arm64' && context.length >= L.USER_PT_REGS_ARM64.size) {
    const src = new DataView(context.buffer, context.byteOffset, context.byteLength)
    const out = new Uint8Array(L.CONTEXT_ARM64_SIZE)
    const dst = new DataView(out.buffer)
    dst.setUint32(L.CONTEXT_ARM64.ContextFlags, L.CONTEXT_ARM64_CONTROL_INTEGER, true)
    dst.setUint32(L.CONTEXT_ARM64.Cpsr, Number(src.getBigUint64(L.USER_PT_REGS_ARM64.Pstate, true) & 0xffffffffn), true)
    // x0…x30 are laid out alike; then sp and pc.
    out.set(context.subarray(L.USER_PT_REGS_ARM64.X0, L.USER_PT_REGS_ARM64.X0 + 31 * 8), L.CONTEXT_ARM64.X0)
    dst.setBigUint64(L.CONTEXT_ARM64.Sp, src.getBigUint64(L.USER_PT_REGS_ARM64.Sp, true), true)
    dst.setBigUint64(L.CONTEXT_ARM64.Pc, src.getBigUint64(L.USER_PT_REGS_ARM64.Pc, true), true)
    return out
  }
  return undefined
}

/** Whether every value of a bytes column is a multiple of 16 bytes long (so each stays 16-aligned when the blob is copied whole). */
export function wholeSixteens(offsets: Uint32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if ((offsets[i + 1]! - offsets[i]!) % 16 !== 0) return false
  return true
}

/** The stack pointer of a minidump CONTEXT of `arch` (a Linux set already moved into its CONTEXT form). */
export function stackPointer(ctx: Uint8Array, arch: string | undefined): bigint | undefined {
  const v = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength)
  if ((arch === 'x64' || arch === 'linux-x64') && ctx.length >= L.CONTEXT_AMD64_SIZE) return v.getBigUint64(L.CONTEXT_AMD64.Rsp, true)
  if ((arch === 'arm64' || arch === 'linux-arm64') && ctx.length >= L.CONTEXT_ARM64_SIZE) return v.getBigUint64(L.CONTEXT_ARM64.Sp, true)
  if (arch === 'x86' && ctx.length >= 200) return BigInt(v.getUint32(196, true)) // CONTEXT.Esp (spec/abi/abi-x86.json)
  return undefined
}
