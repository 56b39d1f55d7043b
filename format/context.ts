// Registers a person looks at first, decoded from raw CONTEXT bytes (spec/ARCHIVE.md §6.2). Offsets are
// the compiler-computed ones in spec/abi/abi-{x64,x86,arm64}.json → CONTEXT.fields (test/context.test.ts
// checks this table against those files).

export interface RegisterSpec {
  readonly offset: number
  readonly size: 2 | 4 | 8
}

export interface ContextLayout {
  /** sizeof(CONTEXT) for the architecture; shorter blobs are not decoded. */
  readonly size: number
  readonly registers: Readonly<Record<string, RegisterSpec>>
  /** The instruction, stack and frame pointer registers, in that order. */
  readonly pc: string
  readonly sp: string
  readonly fp: string
}

export const CONTEXT_LAYOUTS: Readonly<Record<string, ContextLayout>> = {
  x64: {
    size: 1232,
    pc: 'Rip',
    sp: 'Rsp',
    fp: 'Rbp',
    registers: {
      ContextFlags: { offset: 48, size: 4 },
      SegCs: { offset: 56, size: 2 },
      EFlags: { offset: 68, size: 4 },
      Rsp: { offset: 152, size: 8 },
      Rbp: { offset: 160, size: 8 },
      Rip: { offset: 248, size: 8 },
    },
  },
  x86: {
    size: 716,
    pc: 'Eip',
    sp: 'Esp',
    fp: 'Ebp',
    registers: {
      ContextFlags: { offset: 0, size: 4 },
      Ebp: { offset: 180, size: 4 },
      Eip: { offset: 184, size: 4 },
      SegCs: { offset: 188, size: 4 },
      EFlags: { offset: 192, size: 4 },
      Esp: { offset: 196, size: 4 },
    },
  },
  arm64: {
    size: 912,
    pc: 'Pc',
    sp: 'Sp',
    fp: 'Fp',
    registers: {
      ContextFlags: { offset: 0, size: 4 },
      Cpsr: { offset: 4, size: 4 },
      Fp: { offset: 240, size: 8 },
      Lr: { offset: 248, size: 8 },
      Sp: { offset: 256, size: 8 },
      Pc: { offset: 264, size: 8 },
    },
  },
}

/**
 * Format 1.2: Linux register sets (PTRACE_GETREGSET NT_PRSTATUS, spec/ARCHIVE.md §6.2), stored as thread
 * contexts though they are not CONTEXT records. Offsets: x86-64 `struct user_regs_struct` (27 u64) and arm64
 * `struct user_pt_regs` (x0…x30, sp, pc, pstate), from the kernel's uapi headers.
 */
export const LINUX_REGSET_LAYOUTS: Readonly<Record<string, ContextLayout>> = {
  'linux-x64': {
    size: 216,
    pc: 'rip',
    sp: 'rsp',
    fp: 'rbp',
    registers: {
      rbp: { offset: 32, size: 8 },
      rip: { offset: 128, size: 8 },
      cs: { offset: 136, size: 8 },
      eflags: { offset: 144, size: 8 },
      rsp: { offset: 152, size: 8 },
    },
  },
  'linux-arm64': {
    size: 272,
    pc: 'pc',
    sp: 'sp',
    fp: 'x29',
    registers: {
      x29: { offset: 232, size: 8 },
      x30: { offset: 240, size: 8 },
      sp: { offset: 248, size: 8 },
      pc: { offset: 256, size: 8 },
      pstate: { offset: 264, size: 8 },
    },
  },
}

/** The CONTEXT layout of an architecture; own properties only, since the name comes from an archive (`constructor`, `__proto__`). */
export function contextLayout(architecture: string | undefined): ContextLayout | undefined {
  if (architecture === undefined) return undefined
  if (Object.hasOwn(CONTEXT_LAYOUTS, architecture)) return CONTEXT_LAYOUTS[architecture]
  return Object.hasOwn(LINUX_REGSET_LAYOUTS, architecture) ? LINUX_REGSET_LAYOUTS[architecture] : undefined
}

/**
 * The architecture of a `contextRecord` value as the reader returns it: its own chunk's (spec §6.2), carried
 * on the value because chunks of one archive may differ.
 */
const ARCHITECTURE = Symbol('pssnap.contextArchitecture')

/** Records on a context blob the architecture its chunk declares (non-enumerable: the bytes stay plain). */
export function tagContextArchitecture<T extends Uint8Array>(context: T, architecture: string | undefined): T {
  if (architecture !== undefined) Object.defineProperty(context, ARCHITECTURE, { value: architecture })
  return context
}

/** The architecture a context blob was read with, when the reader recorded one. */
export function contextArchitectureOf(context: Uint8Array | undefined): string | undefined {
  return (context as { [ARCHITECTURE]?: string } | undefined)?.[ARCHITECTURE]
}

/**
 * Decoded registers (bigint), or undefined for an unknown architecture or a blob too short for it. The
 * blob's own architecture (its chunk's) wins over `architecture`, which serves blobs built elsewhere.
 */
export function decodeRegisters(context: Uint8Array | undefined, architecture: string | undefined): Record<string, bigint> | undefined {
  if (!context) return undefined
  const layout = contextLayout(contextArchitectureOf(context) ?? architecture)
  if (!layout || context.length < layout.size) return undefined
  const view = new DataView(context.buffer, context.byteOffset, context.byteLength)
  const out: Record<string, bigint> = {}
  for (const [name, r] of Object.entries(layout.registers)) {
    out[name] = r.size === 8 ? view.getBigUint64(r.offset, true) : BigInt(r.size === 4 ? view.getUint32(r.offset, true) : view.getUint16(r.offset, true))
  }
  return out
}
