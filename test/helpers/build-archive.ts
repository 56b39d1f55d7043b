/**
 * Hand-written byte-level builder of `.pssnap` archives (spec/ARCHIVE.md, format 1.0) for tests.
 *
 * Like rust-minidump's minidump-synth, it shares no code with `format/` or `reader/` and uses no
 * MessagePack library: it writes bytes as the spec text says, so a bug shared by the project's encoder and
 * decoder cannot hide. Every builder takes overrides so tests can also write deliberately wrong archives.
 */
import { concatBytes, encode, mp, type MpObject, type MpValue } from './msgpack-writer.js';

export { concatBytes, encode, mp };
export type { MpObject, MpValue };

// ---------------------------------------------------------------------------------------------- CRC-32

const CRC_TABLE = (() => {
  // IEEE 802.3 polynomial, reflected (0xEDB88320), as zlib/PNG/gzip.
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of the concatenation of `parts` (init and final xor 0xFFFFFFFF). */
export function crc32(...parts: Uint8Array[]): number {
  let c = 0xffff_ffff;
  for (const p of parts) for (const b of p) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffff_ffff) >>> 0;
}

export const CRC32_CHECK_VALUE = 0xcbf43926;

/** True when `crc32("123456789")` is the standard check value. */
export function crc32SelfCheck(): boolean {
  return crc32(new TextEncoder().encode('123456789')) === CRC32_CHECK_VALUE;
}

// ------------------------------------------------------------------------------------ little-endian bits

function checkInt(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${what} out of range: ${v}`);
  return v;
}

function checkBig(v: bigint | number, min: bigint, max: bigint, what: string): bigint {
  const n = typeof v === 'bigint' ? v : BigInt(checkInt(v, -(2 ** 64), 2 ** 64, what));
  if (n < min || n > max) throw new RangeError(`${what} out of range: ${n}`);
  return n;
}

/** `values` as consecutive little-endian u32. */
export function u32le(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint32(i * 4, checkInt(v, 0, 0xffff_ffff, 'u32'), true));
  return out;
}

// ------------------------------------------------------------------------------------ preamble, frames

/** `\x89PSSNAP\n` (§2.1). */
export const MAGIC = Uint8Array.of(0x89, 0x50, 0x53, 0x53, 0x4e, 0x41, 0x50, 0x0a);
/** `PSFR` (§2.2). */
export const SYNC = Uint8Array.of(0x50, 0x53, 0x46, 0x52);
export const Kind = { HEADER: 1, CHUNK: 2, EPILOGUE: 3, TRAILER: 4 } as const;
export const Codec = { NONE: 0, DEFLATE: 1 } as const;
export const FRAME_HEADER_LENGTH = 20;

export interface PreambleOptions {
  major?: number;
  minor?: number;
  /** 8 bytes. */
  magic?: Uint8Array;
  /** Written instead of the CRC-32 of bytes 0..11. */
  crc?: number;
}

/** The 16-byte preamble (§2.1). */
export function preamble(o: PreambleOptions = {}): Uint8Array {
  const magic = o.magic ?? MAGIC;
  if (magic.length !== 8) throw new RangeError('magic must be 8 bytes');
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  out.set(magic, 0);
  dv.setUint16(8, checkInt(o.major ?? 1, 0, 0xffff, 'major'), true);
  dv.setUint16(10, checkInt(o.minor ?? 0, 0, 0xffff, 'minor'), true);
  dv.setUint32(12, o.crc ?? crc32(out.subarray(0, 12)), true);
  return out;
}

export interface FrameOptions {
  kind: number;
  /** 0 none (default), 1 deflate: then `payload` is the already-compressed zlib stream. */
  codec?: number;
  flags?: number;
  /** The stored payload bytes, written after the header as they are. */
  payload: Uint8Array;
  /** Required for codec ≠ 0; defaults to `payload.length` for codec 0. */
  decodedLength?: number;
  /** Written instead of the computed CRC. */
  crc?: number;
  /** 4 bytes written instead of `PSFR`. */
  sync?: Uint8Array;
  /** Written in the header instead of `payload.length` (the payload bytes are still all written). */
  storedLength?: number;
}

export type FrameOverrides = Partial<Omit<FrameOptions, 'kind' | 'payload'>>;

/** One frame: 20-byte header + payload (§2.2). The CRC covers the header bytes 4..15 as written. */
export function frame(o: FrameOptions): Uint8Array {
  const codec = o.codec ?? Codec.NONE;
  if (codec !== Codec.NONE && o.decodedLength === undefined) {
    throw new Error('a compressed frame needs decodedLength');
  }
  const sync = o.sync ?? SYNC;
  if (sync.length !== 4) throw new RangeError('sync must be 4 bytes');
  const out = new Uint8Array(FRAME_HEADER_LENGTH + o.payload.length);
  const dv = new DataView(out.buffer);
  out.set(sync, 0);
  dv.setUint16(4, checkInt(o.kind, 0, 0xffff, 'kind'), true);
  dv.setUint8(6, checkInt(codec, 0, 0xff, 'codec'));
  dv.setUint8(7, checkInt(o.flags ?? 0, 0, 0xff, 'flags'));
  dv.setUint32(8, checkInt(o.storedLength ?? o.payload.length, 0, 0xffff_ffff, 'storedLength'), true);
  dv.setUint32(12, checkInt(o.decodedLength ?? o.payload.length, 0, 0xffff_ffff, 'decodedLength'), true);
  out.set(o.payload, FRAME_HEADER_LENGTH);
  dv.setUint32(16, o.crc ?? crc32(out.subarray(4, 16), o.payload), true);
  return out;
}

// --------------------------------------------------------------------------------------- columns (§5)

export type ColumnType = 'u8' | 'u16' | 'u32' | 'i32' | 'u64' | 'i64' | 'str' | 'bytes';

export type Column = {
  type: string;
  data: Uint8Array;
  dict?: readonly string[];
  offsets?: Uint8Array;
  architecture?: string;
};

function numeric<T>(type: ColumnType, width: number, values: readonly T[], put: (dv: DataView, at: number, v: T) => void): Column {
  const data = new Uint8Array(values.length * width);
  const dv = new DataView(data.buffer);
  values.forEach((v, i) => put(dv, i * width, v));
  return { type, data };
}

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const I64_MIN = -0x8000_0000_0000_0000n;
const I64_MAX = 0x7fff_ffff_ffff_ffffn;

/** Column map values (§5): numeric data is little-endian, `count * width` bytes. */
export const col = {
  u8: (values: readonly number[]): Column =>
    numeric('u8', 1, values, (dv, at, v) => dv.setUint8(at, checkInt(v, 0, 0xff, 'u8'))),
  u16: (values: readonly number[]): Column =>
    numeric('u16', 2, values, (dv, at, v) => dv.setUint16(at, checkInt(v, 0, 0xffff, 'u16'), true)),
  u32: (values: readonly number[]): Column =>
    numeric('u32', 4, values, (dv, at, v) => dv.setUint32(at, checkInt(v, 0, 0xffff_ffff, 'u32'), true)),
  i32: (values: readonly number[]): Column =>
    numeric('i32', 4, values, (dv, at, v) => dv.setInt32(at, checkInt(v, -0x8000_0000, 0x7fff_ffff, 'i32'), true)),
  u64: (values: readonly (bigint | number)[]): Column =>
    numeric('u64', 8, values, (dv, at, v) => dv.setBigUint64(at, checkBig(v, 0n, U64_MAX, 'u64'), true)),
  i64: (values: readonly (bigint | number)[]): Column =>
    numeric('i64', 8, values, (dv, at, v) => dv.setBigInt64(at, checkBig(v, I64_MIN, I64_MAX, 'i64'), true)),
  /** Dictionary-encoded (§5.2): dict in order of first appearance, index 0 = null, k = dict[k-1]. */
  str: (values: readonly (string | null)[]): Column => {
    const dict: string[] = [];
    const index = new Map<string, number>();
    const indices = values.map((v) => {
      if (v === null) return 0;
      let k = index.get(v);
      if (k === undefined) {
        dict.push(v);
        k = dict.length;
        index.set(v, k);
      }
      return k;
    });
    return { type: 'str', data: u32le(indices), dict };
  },
  /** A str column with an explicit dict and indices (duplicates, out-of-range indices…). */
  strRaw: (dict: readonly string[], indices: readonly number[]): Column => ({ type: 'str', data: u32le(indices), dict }),
  /** §5.3: data = concatenation, offsets = count+1 u32; null (or empty) = absent. */
  bytes: (values: readonly (Uint8Array | null)[], architecture?: string): Column => {
    const offsets = [0];
    for (const v of values) offsets.push(offsets[offsets.length - 1]! + (v?.length ?? 0));
    const data = concatBytes(values.map((v) => v ?? new Uint8Array(0)));
    const c: Column = { type: 'bytes', data, offsets: u32le(offsets) };
    if (architecture !== undefined) c.architecture = architecture;
    return c;
  },
};

// ------------------------------------------------------------------------------------ payload builders

export interface SparseGroup {
  /** Entry indices within the chunk, or an already-built bin. */
  rows: readonly number[] | Uint8Array;
  columns: MpObject;
}

export interface ChunkFields {
  section: string;
  first: number;
  count: number;
  columns: MpObject;
  sparse?: Readonly<Record<string, SparseGroup>>;
}

/** CHUNK payload value (§4). */
export function chunk(c: ChunkFields): MpObject {
  const value: Record<string, MpValue> = { section: c.section, first: c.first, count: c.count, columns: c.columns };
  if (c.sparse !== undefined) {
    const sparse: Record<string, MpValue> = {};
    for (const [group, g] of Object.entries(c.sparse)) {
      sparse[group] = { rows: g.rows instanceof Uint8Array ? g.rows : u32le(g.rows), columns: g.columns };
    }
    value.sparse = sparse;
  }
  return value;
}

export type Producer = { tool: string; version: string };
export type Host = { platform: string; architecture: string; osVersion?: string; osBuild?: string; machineName?: string };
export type Target = { processId: number; imagePath?: string; architecture?: string };
export type Capture = { captureFlags: number; threadContextFlags: number; startedAt: string; preset?: string };

/** HEADER fields (§3). Every key is optional here so tests can omit required ones; extra keys pass through. */
export type HeaderFields = {
  producer?: Producer;
  host?: Host;
  target?: Target;
  capture?: Capture;
  processInformation?: Readonly<Record<string, number | bigint | string>>;
  vaCloneInformation?: { vaCloneHandle: bigint | number };
  auxiliaryPagesInformation?: { auxPagesCaptured: number };
  vaSpaceInformation?: { regionCount: number };
  handleInformation?: { handlesCaptured: number };
  threadInformation?: { threadsCaptured: number; contextLength: number };
  handleTraceInformation?: { sectionHandle: bigint | number; size: number };
  performanceCounters?: Readonly<Record<string, bigint | number>>;
  redaction?: { method: string; redactedAt: string; fields: readonly string[]; contextsDropped: boolean };
  [extra: string]: MpValue | undefined;
};

const HEADER_ORDER = [
  'producer', 'host', 'target', 'capture', 'processInformation', 'vaCloneInformation',
  'auxiliaryPagesInformation', 'vaSpaceInformation', 'handleInformation', 'threadInformation',
  'handleTraceInformation', 'performanceCounters', 'redaction',
];

/** Known keys first in the spec's table order, then extra keys as given: output does not depend on call style. */
function ordered(fields: MpObject, order: readonly string[]): MpObject {
  const out: Record<string, MpValue> = {};
  for (const k of [...order, ...Object.keys(fields).filter((k) => !order.includes(k))]) {
    const v = fields[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** HEADER payload value (§3). */
export function header(h: HeaderFields): MpObject {
  return ordered(h, HEADER_ORDER);
}

export type CaptureError = { section: string; operation: string; code: number; name?: string; message: string };

export type EpilogueFields = {
  finishedAt?: string;
  /** Written as float64 even when integral (§8). */
  timings?: Readonly<Record<string, number>>;
  captureErrors?: readonly CaptureError[];
  [extra: string]: MpValue | undefined;
};

/** EPILOGUE payload value (§8). */
export function epilogue(e: EpilogueFields): MpObject {
  const { timings, ...rest } = e;
  const value: Record<string, MpValue | undefined> = { ...rest };
  if (timings !== undefined) {
    value.timings = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, mp.f64(v)]));
  }
  return ordered(value, ['finishedAt', 'timings', 'captureErrors']);
}

export type TrailerFields = {
  frameCount: number;
  byteLength: number | bigint;
  frameChecksum: number;
  entryCounts: Readonly<Record<string, number>>;
};

/** TRAILER payload value (§8, §2.3). */
export function trailer(t: Partial<TrailerFields> & MpObject): MpObject {
  return ordered(t, ['frameCount', 'byteLength', 'frameChecksum', 'entryCounts']);
}

/** CRC-32 over the `crc` fields (u32 LE each) of the given frames, in order (§2.3). */
export function frameChecksum(crcs: readonly number[]): number {
  return crc32(u32le(crcs));
}

// --------------------------------------------------------------------------------------- whole archive

export interface FrameRecord {
  offset: number;
  kind: number;
  /** Header + payload bytes. */
  length: number;
  /** The crc field as written (possibly a deliberate wrong one). */
  crc: number;
}

export interface FinishOptions {
  /** `false`: write no TRAILER. Otherwise fields replacing the computed ones (extra keys pass through). */
  trailer?: false | (Partial<TrailerFields> & MpObject);
  /** Replaces the whole TRAILER payload (e.g. a non-map or garbage). */
  trailerPayload?: Uint8Array;
  /** Header overrides for the TRAILER frame (crc, sync, kind via `trailerKind`…). */
  trailerFrame?: FrameOverrides;
  trailerKind?: number;
  /** Bytes appended after the TRAILER (or after the last frame when there is none). */
  append?: Uint8Array;
}

/**
 * Accumulates a preamble and frames. `finish()` appends the TRAILER computed per §2.3 from every frame
 * added through `frame()`/`value()`/`header()`/`chunk()`/`epilogue()` (bytes added with `raw()` are not
 * frames: they shift offsets but are not counted or checksummed).
 */
export class ArchiveBuilder {
  readonly frames: FrameRecord[] = [];
  /** The trailer fields written by `finish()`, once it has run and written a map trailer. */
  trailerWritten: TrailerFields | undefined;
  private readonly parts: Uint8Array[] = [];
  private length = 0;
  private readonly counts = new Map<string, number>();
  private finished = false;

  /** Pass preamble options, or the exact bytes to start with (e.g. an empty array for no preamble). */
  constructor(start: PreambleOptions | Uint8Array = {}) {
    this.raw(start instanceof Uint8Array ? start : preamble(start));
  }

  /** The offset the next bytes will be written at. */
  get offset(): number {
    return this.length;
  }

  /** Appends arbitrary bytes that are not a frame (garbage, a partial frame, padding). */
  raw(bytes: Uint8Array): this {
    if (this.finished) throw new Error('archive already finished');
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  /** Appends a frame of any kind with a raw payload (unknown kinds, compressed payloads, bad lengths…). */
  frame(o: FrameOptions): this {
    const bytes = frame(o);
    this.frames.push({ offset: this.length, kind: o.kind, length: bytes.length, crc: new DataView(bytes.buffer).getUint32(16, true) });
    return this.raw(bytes);
  }

  /** Appends a frame whose payload is `encode(value)`. */
  value(kind: number, value: MpValue, o: FrameOverrides = {}): this {
    return this.frame({ ...o, kind, payload: encode(value) });
  }

  header(h: HeaderFields, o?: FrameOverrides): this {
    return this.value(Kind.HEADER, header(h), o);
  }

  /** Appends a CHUNK and adds its `count` to the section's entry count. */
  chunk(c: ChunkFields, o?: FrameOverrides): this {
    this.counts.set(c.section, (this.counts.get(c.section) ?? 0) + c.count);
    return this.value(Kind.CHUNK, chunk(c), o);
  }

  epilogue(e: EpilogueFields, o?: FrameOverrides): this {
    return this.value(Kind.EPILOGUE, epilogue(e), o);
  }

  /** Lists a section in `entryCounts` even with no chunk ("every section written, including empty ones"). */
  declareSection(name: string): this {
    if (!this.counts.has(name)) this.counts.set(name, 0);
    return this;
  }

  /** The TRAILER fields §2.3 gives for the frames so far. */
  computeTrailer(): TrailerFields {
    return {
      frameCount: this.frames.length,
      byteLength: this.length,
      frameChecksum: frameChecksum(this.frames.map((f) => f.crc)),
      entryCounts: Object.fromEntries(this.counts),
    };
  }

  finish(o: FinishOptions = {}): Uint8Array {
    if (o.trailer !== false) {
      const fields = { ...this.computeTrailer(), ...(o.trailer ?? {}) };
      if (o.trailerPayload === undefined) this.trailerWritten = fields as TrailerFields;
      const payload = o.trailerPayload ?? encode(trailer(fields));
      this.frame({ ...o.trailerFrame, kind: o.trailerKind ?? Kind.TRAILER, payload });
    }
    if (o.append !== undefined) this.raw(o.append);
    this.finished = true;
    return concatBytes(this.parts);
  }
}

// ---------------------------------------------------------------------------------- minimal archive

/** FILETIME (100 ns ticks since 1601-01-01 UTC) of an ISO-8601 time. */
export function filetime(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 10_000n + 116_444_736_000_000_000n;
}

type Row = Readonly<Record<string, unknown>>;
type Schema = readonly (readonly [field: string, type: ColumnType, architecture?: string])[];

function getPath(row: Row, dotted: string): unknown {
  let v: unknown = row;
  for (const part of dotted.split('.')) v = v === undefined || v === null ? undefined : (v as Row)[part];
  return v;
}

/** Columns of `rows` for the (dotted) fields of `schema`, with runtime type checks on the test data. */
function columnsOf(rows: readonly Row[], schema: Schema): MpObject {
  const out: Record<string, Column> = {};
  for (const [field, type, architecture] of schema) {
    const vs = rows.map((r) => getPath(r, field));
    const bad = (ok: (v: unknown) => boolean) => {
      if (!vs.every(ok)) throw new TypeError(`test data: ${field} is not all ${type}`);
    };
    if (type === 'u64' || type === 'i64') {
      bad((v) => typeof v === 'bigint');
      out[field] = col[type](vs as bigint[]);
    } else if (type === 'str') {
      bad((v) => typeof v === 'string' || v === null);
      out[field] = col.str(vs as (string | null)[]);
    } else if (type === 'bytes') {
      bad((v) => v instanceof Uint8Array || v === null);
      out[field] = col.bytes(vs as (Uint8Array | null)[], architecture);
    } else {
      bad((v) => typeof v === 'number');
      out[field] = col[type](vs as number[]);
    }
  }
  return out;
}

/** The columns of each section, in §6 order. */
export const SECTION_SCHEMAS = {
  handles: [
    ['handle', 'u64'], ['flags', 'u32'], ['objectType', 'u32'], ['captureTime', 'u64'], ['attributes', 'u32'],
    ['grantedAccess', 'u32'], ['handleCount', 'u32'], ['pointerCount', 'u32'], ['pagedPoolCharge', 'u32'],
    ['nonPagedPoolCharge', 'u32'], ['creationTime', 'u64'], ['typeName', 'str'], ['objectName', 'str'],
  ],
  threads: [
    ['exitStatus', 'u32'], ['tebBaseAddress', 'u64'], ['processId', 'u32'], ['threadId', 'u32'],
    ['affinityMask', 'u64'], ['priority', 'i32'], ['basePriority', 'i32'], ['lastSyscallFirstArgument', 'u64'],
    ['lastSyscallNumber', 'u16'], ['createTime', 'u64'], ['exitTime', 'u64'], ['kernelTime', 'u64'],
    ['userTime', 'u64'], ['win32StartAddress', 'u64'], ['captureTime', 'u64'], ['flags', 'u32'],
    ['suspendCount', 'u16'], ['sizeOfContextRecord', 'u16'], ['contextRecord', 'bytes', 'x64'], ['threadName', 'str'],
  ],
  vaSpace: [
    ['baseAddress', 'u64'], ['allocationBase', 'u64'], ['allocationProtect', 'u32'], ['regionSize', 'u64'],
    ['state', 'u32'], ['protect', 'u32'], ['type', 'u32'], ['timeDateStamp', 'u32'], ['sizeOfImage', 'u32'],
    ['imageBase', 'u64'], ['checkSum', 'u32'], ['mappedFileName', 'str'],
  ],
  auxiliaryPages: [
    ['address', 'u64'], ['basicInformation.baseAddress', 'u64'], ['basicInformation.allocationBase', 'u64'],
    ['basicInformation.allocationProtect', 'u32'], ['basicInformation.partitionId', 'u16'],
    ['basicInformation.regionSize', 'u64'], ['basicInformation.state', 'u32'], ['basicInformation.protect', 'u32'],
    ['basicInformation.type', 'u32'], ['captureTime', 'u64'], ['pageSize', 'u32'], ['pageContents', 'bytes'],
  ],
} as const satisfies Record<string, Schema>;

const EVENT_SCHEMA: Schema = [['manualReset', 'i32'], ['signaled', 'i32']];
const PROCESS_SCHEMA: Schema = [
  ['exitStatus', 'u32'], ['pebBaseAddress', 'u64'], ['affinityMask', 'u64'], ['basePriority', 'i32'],
  ['processId', 'u32'], ['parentProcessId', 'u32'], ['flags', 'u32'],
];

const STARTED_AT = '2026-01-02T03:04:05.000Z';
const CREATED = filetime('2026-01-02T02:00:00.000Z');
const CAPTURED = filetime(STARTED_AT);
const PEB = 0x0000_00d2_3a4b_5000n;
const IMAGE_BASE = 0x0000_7ff6_1234_0000n;
const X64_CONTEXT_LENGTH = 1232; // spec/abi/abi-x64.json CONTEXT.size

/** A 1232-byte x64 CONTEXT with ContextFlags, SegCs, EFlags, Rsp, Rbp, Rip set (offsets: abi-x64.json). */
function x64Context(): Uint8Array {
  const ctx = new Uint8Array(X64_CONTEXT_LENGTH);
  const dv = new DataView(ctx.buffer);
  dv.setUint32(48, 0x0010_001f, true); // ContextFlags = CONTEXT_ALL
  dv.setUint16(56, 0x33, true); // SegCs
  dv.setUint32(68, 0x246, true); // EFlags
  dv.setBigUint64(152, 0x0000_00d2_3a5f_f6e8n, true); // Rsp
  dv.setBigUint64(160, 0x0000_00d2_3a5f_f770n, true); // Rbp
  dv.setBigUint64(248, 0x0000_7ff6_1234_5678n, true); // Rip
  return ctx;
}

function pagePattern(): Uint8Array {
  const page = new Uint8Array(4096);
  for (let i = 0; i < page.length; i++) page[i] = (i * 7 + 3) & 0xff;
  return page;
}

/** Entries are nested objects (dotted names expanded); absent str/bytes values are `null`. */
function makeMinimalExpected() {
  return {
    preamble: { major: 1, minor: 0 },
    header: {
      producer: { tool: 'pssnap', version: '0.0.0-test' },
      host: { platform: 'windows', architecture: 'x64' },
      target: { processId: 4242, imagePath: 'C:\\Apps\\démo.exe' },
      capture: {
        // VA_CLONE | HANDLES | HANDLE_NAME_INFORMATION | HANDLE_BASIC_INFORMATION |
        // HANDLE_TYPE_SPECIFIC_INFORMATION | THREADS | THREAD_CONTEXT | VA_SPACE | VA_SPACE_SECTION_INFORMATION
        captureFlags: 0x19bd,
        threadContextFlags: 0x0010_001f, // CONTEXT_ALL (x64)
        startedAt: STARTED_AT,
      },
      processInformation: {
        exitStatus: 259, // STILL_ACTIVE
        pebBaseAddress: PEB,
        affinityMask: 0xffn,
        basePriority: 8,
        processId: 4242,
        parentProcessId: 1000,
        flags: 0,
        createTime: CREATED,
        exitTime: 0n,
        kernelTime: 468_750n,
        userTime: 937_500n,
        priorityClass: 0x20, // NORMAL_PRIORITY_CLASS
        peakVirtualSize: 0x0000_0201_2345_0000n, // > 2^32: uint64 in the map
        virtualSize: 0x0000_0201_0000_0000n,
        pageFaultCount: 12_345,
        peakWorkingSetSize: 0x01a0_0000n,
        workingSetSize: 0x0180_0000n,
        quotaPeakPagedPoolUsage: 0x2_4000n,
        quotaPagedPoolUsage: 0x2_0000n,
        quotaPeakNonPagedPoolUsage: 0x3000n,
        quotaNonPagedPoolUsage: 0x2800n,
        pagefileUsage: 0x0090_0000n,
        peakPagefileUsage: 0x00a0_0000n,
        privateUsage: 0x0090_0000n,
        executeFlags: 0,
        imageFileName: 'C:\\Apps\\démo.exe',
      },
      handleInformation: { handlesCaptured: 3 },
      threadInformation: { threadsCaptured: 2, contextLength: X64_CONTEXT_LENGTH },
    },
    sections: {
      handles: [
        {
          handle: 0x4n, flags: 0xf, objectType: 4, captureTime: CAPTURED, attributes: 0, grantedAccess: 0x1f_0003,
          handleCount: 1, pointerCount: 32_769, pagedPoolCharge: 0, nonPagedPoolCharge: 88, creationTime: CREATED,
          typeName: 'Event', objectName: '\\Sessions\\1\\BaseNamedObjects\\Événement-日本',
          typeSpecificInformation: { event: { manualReset: 1, signaled: 0 } },
        },
        {
          handle: 0x8n, flags: 0xf, objectType: 1, captureTime: CAPTURED, attributes: 0, grantedAccess: 0x1f_ffff,
          handleCount: 5, pointerCount: 131_072, pagedPoolCharge: 0, nonPagedPoolCharge: 0, creationTime: CREATED,
          typeName: 'Process', objectName: null,
          typeSpecificInformation: {
            process: {
              exitStatus: 259, pebBaseAddress: PEB, affinityMask: 0xffn, basePriority: 8, processId: 4242,
              parentProcessId: 1000, flags: 0,
            },
          },
        },
        {
          handle: 0xcn, flags: 0x7, objectType: 0, captureTime: CAPTURED, attributes: 0, grantedAccess: 0x0010_0020,
          handleCount: 1, pointerCount: 32_768, pagedPoolCharge: 0, nonPagedPoolCharge: 0, creationTime: 0n,
          typeName: 'File', objectName: '\\Device\\HarddiskVolume3\\Apps',
        },
      ],
      threads: [
        {
          exitStatus: 259, tebBaseAddress: 0x0000_00d2_3a4b_6000n, processId: 4242, threadId: 5001, affinityMask: 0xffn,
          priority: 10, basePriority: 8, lastSyscallFirstArgument: 0x1f4n, lastSyscallNumber: 0x1c, createTime: CREATED,
          exitTime: 0n, kernelTime: 156_250n, userTime: 312_500n, win32StartAddress: 0x0000_7ff6_1234_1000n,
          captureTime: CAPTURED, flags: 0, suspendCount: 1, sizeOfContextRecord: X64_CONTEXT_LENGTH,
          contextRecord: x64Context() as Uint8Array | null, threadName: 'main' as string | null,
        },
        {
          exitStatus: 0, tebBaseAddress: 0x0000_00d2_3a4b_8000n, processId: 4242, threadId: 5002, affinityMask: 0xffn,
          priority: -2, basePriority: 8, lastSyscallFirstArgument: 0n, lastSyscallNumber: 0, createTime: CREATED,
          exitTime: CAPTURED, kernelTime: 0n, userTime: 0n, win32StartAddress: 0x0000_7ffb_0000_2000n,
          captureTime: CAPTURED, flags: 1, suspendCount: 0, sizeOfContextRecord: 0, // TERMINATED: no context
          contextRecord: null, threadName: null,
        },
      ],
      vaSpace: [
        {
          baseAddress: IMAGE_BASE, allocationBase: IMAGE_BASE, allocationProtect: 0x80, regionSize: 0x1000n,
          state: 0x1000, protect: 0x02, type: 0x0100_0000, timeDateStamp: 0x65a1_b2c3, sizeOfImage: 0x5000,
          imageBase: IMAGE_BASE, checkSum: 0x0001_abcd,
          mappedFileName: '\\Device\\HarddiskVolume3\\Apps\\démo.exe' as string | null,
        },
        {
          baseAddress: IMAGE_BASE + 0x5000n, allocationBase: 0n, allocationProtect: 0, regionSize: 0x7000n,
          state: 0x1_0000, protect: 0x01, type: 0, timeDateStamp: 0, sizeOfImage: 0, imageBase: 0n, checkSum: 0,
          mappedFileName: null,
        },
      ],
      auxiliaryPages: [
        {
          address: PEB,
          basicInformation: {
            baseAddress: PEB, allocationBase: PEB, allocationProtect: 0x04, partitionId: 0, regionSize: 0x1000n,
            state: 0x1000, protect: 0x04, type: 0x2_0000,
          },
          captureTime: CAPTURED, pageSize: 4096, pageContents: pagePattern() as Uint8Array | null,
        },
      ],
    },
    epilogue: {
      finishedAt: '2026-01-02T03:04:05.250Z',
      timings: { captureMs: 12.5, queryMs: 0.25, walkMs: 3, writeMs: 1.75 },
      captureErrors: [
        {
          section: 'handleTraceInformation', operation: 'PssQuerySnapshot', code: 50, name: 'ERROR_NOT_SUPPORTED',
          message: 'The request is not supported.',
        },
      ],
    },
  };
}

/** A builder holding the minimal archive's preamble and frames, before its TRAILER (tests may add frames). */
export function minimalArchiveBuilder(): ArchiveBuilder {
  const e = makeMinimalExpected();
  const s = e.sections;
  const b = new ArchiveBuilder().header(e.header);
  const handleCols = columnsOf(s.handles, SECTION_SCHEMAS.handles);
  b.chunk({
    section: 'handles',
    first: 0,
    count: s.handles.length,
    columns: handleCols,
    sparse: {
      'typeSpecificInformation.event': { rows: [0], columns: columnsOf([s.handles[0]!.typeSpecificInformation!.event!], EVENT_SCHEMA) },
      'typeSpecificInformation.process': { rows: [1], columns: columnsOf([s.handles[1]!.typeSpecificInformation!.process!], PROCESS_SCHEMA) },
    },
  });
  for (const name of ['threads', 'vaSpace', 'auxiliaryPages'] as const) {
    b.chunk({ section: name, first: 0, count: s[name].length, columns: columnsOf(s[name], SECTION_SCHEMAS[name]) });
  }
  return b.epilogue(e.epilogue);
}

export function minimalArchive(): Uint8Array {
  return minimalArchiveBuilder().finish();
}

function makeExpectedWithTrailer() {
  const b = minimalArchiveBuilder();
  b.finish();
  const t = b.trailerWritten!;
  return {
    ...makeMinimalExpected(),
    trailer: { ...t, byteLength: BigInt(t.byteLength) },
    frameKinds: b.frames.map((f) => f.kind),
  };
}

/**
 * The plain values `minimalArchive()` encodes: u64/i64 fields as bigint, other numbers as number, absent
 * str/bytes values as null, dotted column names as nested objects, sparse groups under
 * `typeSpecificInformation` only for the entries listed in their rows.
 */
export const minimalArchiveExpected = makeExpectedWithTrailer();
