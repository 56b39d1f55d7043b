// Small value builders shared by the reader and CLI tests.

const FILETIME_UNIX_EPOCH = 116444736000000000n

/** The FILETIME ticks of an ISO-8601 time. */
export const ft = (iso: string): bigint => BigInt(Date.parse(iso)) * 10000n + FILETIME_UNIX_EPOCH

/** A 1232-byte x64 CONTEXT with CONTEXT_CONTROL|INTEGER|FLOATING_POINT and the given Rip and Rsp. */
export function context(rip: bigint, rsp: bigint): Uint8Array {
  const b = new Uint8Array(1232)
  const v = new DataView(b.buffer)
  v.setUint32(48, 0x10000b, true)
  v.setBigUint64(152, rsp, true)
  v.setBigUint64(248, rip, true)
  return b
}
