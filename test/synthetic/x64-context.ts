// Raw x64 CONTEXT records (1232 bytes, offsets from spec/abi/abi-x64.json and winnt.h) as
// PSS_CAPTURE_THREAD_CONTEXT with CONTEXT_ALL captures them: control, integer, segment and floating-point
// state set, debug registers and vector state left zero, like a thread waiting in a system call.
import type { Rng } from './prng.js'

export const X64_CONTEXT_SIZE = 1232
export const CONTEXT_ALL = 0x10001f

export interface Registers {
  rip: bigint
  rsp: bigint
  rbp: bigint
}

const GPR_OFFSETS = { rax: 120, rcx: 128, rdx: 136, rbx: 144, rsi: 168, rdi: 176, r8: 184, r9: 192, r10: 200, r11: 208, r12: 216, r13: 224, r14: 232, r15: 240 } as const

/** Fills `ctx` (zeroed, 1232 bytes) with a plausible CONTEXT whose Rip/Rsp/Rbp are the given ones. */
export function writeX64Context(ctx: Uint8Array, rng: Rng, regs: Registers): void {
  const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength)
  dv.setUint32(48, CONTEXT_ALL, true) // ContextFlags
  dv.setUint32(52, 0x1f80, true) // MxCsr
  dv.setUint16(56, 0x33, true) // SegCs
  dv.setUint16(58, 0x2b, true) // SegDs
  dv.setUint16(60, 0x2b, true) // SegEs
  dv.setUint16(62, 0x53, true) // SegFs
  dv.setUint16(64, 0x2b, true) // SegGs
  dv.setUint16(66, 0x2b, true) // SegSs
  dv.setUint32(68, rng.pick([0x246, 0x244, 0x202, 0x206]), true) // EFlags
  dv.setBigUint64(152, regs.rsp, true)
  dv.setBigUint64(160, regs.rbp, true)
  dv.setBigUint64(248, regs.rip, true)
  // Integer registers: a syscall status in Rax, a few pointers and small values, many zeros.
  dv.setBigUint64(GPR_OFFSETS.rax, BigInt(rng.pick([0, 0x103, 0x102, 0xc0000120])), true)
  dv.setBigUint64(GPR_OFFSETS.rcx, regs.rip + 0x14n, true) // syscall puts the return address in Rcx
  dv.setBigUint64(GPR_OFFSETS.rdx, BigInt(rng.int(0, 0xffff)), true)
  dv.setBigUint64(GPR_OFFSETS.rbx, regs.rsp + BigInt(rng.int(1, 64) * 8), true)
  dv.setBigUint64(GPR_OFFSETS.r11, BigInt(rng.pick([0x246, 0x244, 0x202])), true) // syscall saves RFLAGS in R11
  for (const off of [GPR_OFFSETS.rsi, GPR_OFFSETS.rdi, GPR_OFFSETS.r8, GPR_OFFSETS.r9, GPR_OFFSETS.r12, GPR_OFFSETS.r13, GPR_OFFSETS.r14, GPR_OFFSETS.r15]) {
    if (rng.chance(0.5)) dv.setBigUint64(off, BigInt(rng.u32()) * BigInt(rng.int(0, 0x7fff)), true)
  }
  // FltSave (XMM_SAVE_AREA32 at 256): x87 control word and MXCSR at their reset values.
  dv.setUint16(256, 0x27f, true)
  dv.setUint32(280, 0x1f80, true)
  dv.setUint32(284, 0xffff, true) // MxCsr_Mask
}
