// Writes a minidump from an opened archive (spec/MINIDUMP.md): a Windows minidump from a Windows archive, a
// Breakpad/Crashpad-style Linux minidump from a Linux one. Platform-free (reader/ and format/ only). Streams the
// archive cannot fill are left out, never faked; a field with no source is 0, which the spec lists.
import type { Archive } from '../reader/archive.js'
import { BLOCK_ROWS, ByteSink } from './bytes.js'
import * as C from './columns.js'
import { chunksOf } from './columns.js'
import { minidumpContext, stackPointer, wholeSixteens } from './contexts.js'
import * as L from './layout.js'
import { linuxStatus } from './linux-streams.js'
import { linuxMaps } from './linux-maps.js'
import { archiveMemory, nonOverlapping, rangeAt } from './memory.js'
import { imageModules } from './modules.js'

/** Memory contents to include (Memory64List), each range at most 4 GiB and ranges not overlapping. */
export interface MemoryRange {
  address: bigint
  bytes: Uint8Array
}

export interface MinidumpOptions {
  memory?: readonly MemoryRange[]
}

export interface MinidumpSummary {
  platform: 'windows' | 'linux'
  streams: string[]
  threads: number
  threadsWithContext: number
  modules: number
  regions: number
  handles: number
  memoryRanges: number
  memoryBytes: number
  /** Thread contexts of an architecture the minidump cannot hold (left without a context). */
  contextsLeftOut: number
  /** Set when a Linux archive's regions would make LinuxMaps text past MAX_LINUX_MAPS_BYTES (a hostile archive): left out. */
  linuxMapsTooLarge?: true
}

interface Stream {
  type: number
  name: string
  write(sink: ByteSink): { rva: number; size: number }
}

const FILETIME_UNIX_EPOCH = 116444736000000000n

/** FILETIME ticks to time_t seconds (u32), 0 when absent or outside u32. */
function filetimeToTimeT(t: bigint | undefined): number {
  if (t === undefined || t < FILETIME_UNIX_EPOCH) return 0
  const s = (t - FILETIME_UNIX_EPOCH) / 10_000_000n
  return s > 0xffffffffn ? 0 : Number(s)
}

/** A duration in 100 ns ticks to whole seconds (u32). */
function durationSeconds(t: bigint | undefined): number {
  if (t === undefined || t < 0n) return 0
  const s = t / 10_000_000n
  return s > 0xffffffffn ? 0xffffffff : Number(s)
}

/**
 * A minidump: `parts` are its bytes as consecutive pieces, some of them the archive's own context blobs and
 * memory (valid while the archive is), to be written one after another; `bytes` joins them into one array
 * (computed when first read: a writer to a file never needs it).
 */
export interface MinidumpResult {
  readonly parts: readonly Uint8Array[]
  readonly length: number
  readonly bytes: Uint8Array
  readonly summary: MinidumpSummary
}

/** The minidump of an archive, and what went in. */
export function writeMinidump(archive: Archive, options: MinidumpOptions = {}): MinidumpResult {
  const linux = archive.header.host.platform === 'linux'
  const architecture = archive.header.target.architecture ?? archive.header.host.architecture
  const sink = new ByteSink()
  const strings = new Map<string, number>()
  /** A MINIDUMP_STRING (u32 byte length, UTF-16LE, NUL), written once per distinct value. */
  const str = (value: string, shared = true): number => {
    const known = shared ? strings.get(value) : undefined
    if (known !== undefined) return known
    sink.align(4)
    const at = sink.reserve(4 + value.length * 2 + 2)
    sink.u32(at, value.length * 2)
    sink.utf16(at + 4, value)
    if (shared) strings.set(value, at)
    return at
  }

  const summary: MinidumpSummary = { platform: linux ? 'linux' : 'windows', streams: [], threads: 0, threadsWithContext: 0, modules: 0, regions: 0, handles: 0, memoryRanges: 0, memoryBytes: 0, contextsLeftOut: 0 }
  const memory = nonOverlapping(options.memory ?? archiveMemory(archive))
  const streams: Stream[] = []
  const pi = archive.header.processInformation
  const pid = archive.header.target.processId

  streams.push({
    type: L.STREAM.SystemInfo,
    name: 'SystemInfo',
    write(s) {
      // CSDVersion first: its RVA goes into the record.
      const osVersion = archive.header.host.osVersion
      const csd = str(linux ? (osVersion !== undefined ? `Linux ${osVersion}` : '') : '')
      s.align(4)
      const at = s.reserve(L.SYSTEM_INFO_SIZE)
      const arch = architecture !== undefined && Object.hasOwn(L.PROCESSOR_ARCHITECTURE, architecture) ? L.PROCESSOR_ARCHITECTURE[architecture]! : 0xffff
      s.u16(at + L.SYSTEM_INFO.ProcessorArchitecture, arch)
      const [major, minor, build] = versionNumbers(osVersion, archive.header.host.osBuild)
      s.u32(at + L.SYSTEM_INFO.MajorVersion, major)
      s.u32(at + L.SYSTEM_INFO.MinorVersion, minor)
      s.u32(at + L.SYSTEM_INFO.BuildNumber, build)
      s.u32(at + L.SYSTEM_INFO.PlatformId, linux ? L.PLATFORM_LINUX : L.PLATFORM_WIN32_NT)
      s.u32(at + L.SYSTEM_INFO.CSDVersionRva, csd)
      return { rva: at, size: L.SYSTEM_INFO_SIZE }
    },
  })

  streams.push({
    type: L.STREAM.MiscInfo,
    name: 'MiscInfo',
    write(s) {
      s.align(4)
      const at = s.reserve(L.MISC_INFO_SIZE)
      s.u32(at, L.MISC_INFO_SIZE)
      const times = pi?.createTime !== undefined && pi.userTime !== undefined && pi.kernelTime !== undefined
      s.u32(at + 4, L.MISC1_PROCESS_ID | (times ? L.MISC1_PROCESS_TIMES : 0))
      s.u32(at + 8, pid)
      if (times) {
        s.u32(at + 12, filetimeToTimeT(pi.createTime))
        s.u32(at + 16, durationSeconds(pi.userTime))
        s.u32(at + 20, durationSeconds(pi.kernelTime))
      }
      return { rva: at, size: L.MISC_INFO_SIZE }
    },
  })

  // Memory is written last (it is the bulk); thread stacks point into it, patched at the end.
  const memoryRvas: number[] = []
  const stackPatches: { at: number; sp: bigint; range: number }[] = []

  const threadSection = archive.threads
  if (archive.sectionNames.includes('threads')) {
    streams.push({
      type: L.STREAM.ThreadList,
      name: 'ThreadList',
      write(s) {
        const n = threadSection.length
        const chunks = chunksOf(threadSection, ['threadId', 'suspendCount', 'priority', 'tebBaseAddress', 'contextRecord'])
        // Contexts first, each 16-byte aligned (the CONTEXT's own alignment); each in its own chunk's architecture.
        // Thread t's context: ctxSize[t] bytes at ctxRva[t] (size 0: none); its stack pointer only when memory is there.
        const ctxRva = new Uint32Array(n)
        const ctxSize = new Uint32Array(n)
        const sps: (bigint | undefined)[] = []
        let t = 0
        for (const { count, cols } of chunks) {
          const col = cols[4]
          const arch = (col?.dtype === 'bytes' ? col.architecture : undefined) ?? architecture
          // Windows CONTEXTs go in as stored: when every one in the chunk is a multiple of 16 bytes long (x64 1232,
          // arm64 912), the chunk's blob is copied once and each context stays 16-aligned at its own offset.
          if (col?.dtype === 'bytes' && (arch === 'x64' || arch === 'arm64') && wholeSixteens(col.offsets, count)) {
            s.align(16)
            // By reference: the archive's blob is the file's bytes there (MinidumpResult.parts), never copied.
            const base = s.appendRef(col.data)
            const offsets = col.offsets
            for (let i = 0; i < count; i++, t++) {
              const from = offsets[i]!
              const size = offsets[i + 1]! - from
              if (size === 0) continue
              ctxRva[t] = base + from
              ctxSize[t] = size
              if (memory.length > 0) sps[t] = stackPointer(col.data.subarray(from, from + size), arch)
            }
            continue
          }
          for (let i = 0; i < count; i++, t++) {
            const raw = C.bytes(col, i)
            const ctx = raw && minidumpContext(raw, arch)
            if (raw && !ctx) summary.contextsLeftOut++
            if (!ctx) continue
            s.align(16)
            ctxRva[t] = s.append(ctx)
            ctxSize[t] = ctx.length
            if (memory.length > 0) sps[t] = stackPointer(ctx, arch)
          }
        }
        s.align(4)
        const at = s.reserve(4 + n * L.THREAD_SIZE)
        s.u32(at, n)
        let i = 0
        for (const { count, cols } of chunks) {
          const [id, suspend, priority, teb] = cols
          const first = at + 4 + i * L.THREAD_SIZE
          for (const [field, col] of [[L.THREAD.ThreadId, id], [L.THREAD.SuspendCount, suspend], [L.THREAD.Priority, priority]] as const) {
            const v = C.ints(col)
            if (v) s.column32(first + field, L.THREAD_SIZE, count, v)
          }
          s.column64(first + L.THREAD.Teb, L.THREAD_SIZE, count, C.raw64(teb), C.narrow64(teb))
          const priorityClass = pi?.priorityClass ?? 0
          for (let k = 0; k < count; k++, i++) {
            const r = at + 4 + i * L.THREAD_SIZE
            // The record's bytes are zero already: a 0 needs no write.
            if (priorityClass !== 0) s.u32(r + L.THREAD.PriorityClass, priorityClass)
            const size = ctxSize[i]!
            if (size !== 0) {
              s.u32(r + L.THREAD.ContextDataSize, size)
              s.u32(r + L.THREAD.ContextRva, ctxRva[i]!)
              summary.threadsWithContext++
              // The stack: the captured range holding the stack pointer, from the pointer to the range's end.
              const sp = sps[i]
              const m = sp === undefined ? -1 : rangeAt(memory, sp)
              if (m >= 0) stackPatches.push({ at: r, sp: sp!, range: m })
            }
          }
        }
        summary.threads = n
        return { rva: at, size: 4 + n * L.THREAD_SIZE }
      },
    })
    const hasNames = threadSection.spans('threadName').some(({ count, column }) => column?.dtype === 'str' && column.index.subarray(0, count).some((k) => k !== 0))
    if (hasNames) {
      streams.push({
        type: L.STREAM.ThreadNames,
        name: 'ThreadNames',
        write(s) {
          // Each named thread's id and its name's RVA, in archive order.
          const namedIds = new Uint32Array(threadSection.length)
          const namedRvas = new Uint32Array(threadSection.length)
          let count = 0
          for (const { count: rows, cols } of chunksOf(threadSection, ['threadId', 'threadName'])) {
            const ids = C.ints(cols[0])
            const names = cols[1]
            if (names?.dtype !== 'str') continue
            const dict = names.dict
            const index = names.index
            for (let i = 0; i < rows; i++) {
              const k = index[i]!
              if (k === 0) continue
              namedIds[count] = ids ? ids[i]! : 0
              namedRvas[count++] = str(dict[k - 1]!)
            }
          }
          s.align(4)
          const at = s.reserve(4 + count * L.THREAD_NAME_SIZE)
          s.u32(at, count)
          for (let i = 0; i < count; i++) {
            s.u32(at + 4 + i * L.THREAD_NAME_SIZE, namedIds[i]!)
            // RvaOfThreadName is a u64 whose high half is 0 (RVAs are 32-bit): the reserved bytes are zero already.
            s.u32(at + 8 + i * L.THREAD_NAME_SIZE, namedRvas[i]!)
          }
          return { rva: at, size: 4 + count * L.THREAD_NAME_SIZE }
        },
      })
    }
  }
  if (archive.sectionNames.includes('vaSpace')) {
    streams.push({
      type: L.STREAM.ModuleList,
      name: 'ModuleList',
      write(s) {
        const modules = imageModules(archive, linux)
        const names = modules.map((m) => str(m.name))
        s.align(4)
        const at = s.reserve(4 + modules.length * L.MODULE_SIZE)
        s.u32(at, modules.length)
        modules.forEach((m, i) => {
          const r = at + 4 + i * L.MODULE_SIZE
          s.u64(r + L.MODULE.BaseOfImage, m.base)
          s.u32(r + L.MODULE.SizeOfImage, m.size)
          s.u32(r + L.MODULE.CheckSum, m.checkSum ?? 0)
          s.u32(r + L.MODULE.TimeDateStamp, m.timeDateStamp ?? 0)
          s.u32(r + L.MODULE.ModuleNameRva, names[i]!)
        })
        summary.modules = modules.length
        return { rva: at, size: 4 + modules.length * L.MODULE_SIZE }
      },
    })
    streams.push({
      type: L.STREAM.MemoryInfoList,
      name: 'MemoryInfoList',
      write(s) {
        const n = archive.vaSpace.length
        s.align(8)
        const at = s.reserve(L.MEMORY_INFO_LIST_HEADER_SIZE + n * L.MEMORY_INFO_SIZE)
        s.u32(at, L.MEMORY_INFO_LIST_HEADER_SIZE)
        s.u32(at + 4, L.MEMORY_INFO_SIZE)
        s.u64(at + 8, BigInt(n))
        let r = at + L.MEMORY_INFO_LIST_HEADER_SIZE
        for (const { count, cols } of chunksOf(archive.vaSpace, ['baseAddress', 'allocationBase', 'allocationProtect', 'regionSize', 'state', 'protect', 'type'])) {
          const [base, allocBase, allocProtect, size, state, protect, type] = cols
          // Column by column into the records, a block of records at a time (an absent column leaves its field 0).
          const wide = [C.raw64(base), C.raw64(allocBase), C.raw64(size)]
          const narrow = [C.narrow64(base), C.narrow64(allocBase), C.narrow64(size)]
          const fields64 = [L.MEMORY_INFO.BaseAddress, L.MEMORY_INFO.AllocationBase, L.MEMORY_INFO.RegionSize]
          const ints = [C.ints(allocProtect), C.ints(state), C.ints(protect), C.ints(type)]
          const fields32 = [L.MEMORY_INFO.AllocationProtect, L.MEMORY_INFO.State, L.MEMORY_INFO.Protect, L.MEMORY_INFO.Type]
          for (let from = 0; from < count; from += BLOCK_ROWS) {
            const n = Math.min(BLOCK_ROWS, count - from)
            const at = r + from * L.MEMORY_INFO_SIZE
            for (let k = 0; k < 3; k++) s.column64(at + fields64[k]!, L.MEMORY_INFO_SIZE, n, wide[k], narrow[k], from)
            for (let k = 0; k < 4; k++) {
              const v = ints[k]
              if (v) s.column32(at + fields32[k]!, L.MEMORY_INFO_SIZE, n, v, from)
            }
          }
          r += count * L.MEMORY_INFO_SIZE
        }
        summary.regions = n
        return { rva: at, size: L.MEMORY_INFO_LIST_HEADER_SIZE + n * L.MEMORY_INFO_SIZE }
      },
    })
  }

  if (!linux && archive.sectionNames.includes('handles')) {
    streams.push({
      type: L.STREAM.HandleData,
      name: 'HandleData',
      write(s) {
        const n = archive.handles.length
        const chunks = chunksOf(archive.handles, ['handle', 'attributes', 'grantedAccess', 'handleCount', 'pointerCount', 'typeName', 'objectName'])
        // Strings first (their RVAs go into the descriptors): each dictionary string once per chunk, by index.
        const typeRvas = new Uint32Array(n)
        const nameRvas = new Uint32Array(n)
        let row = 0
        for (const { count, cols } of chunks) {
          for (const [col, out] of [[cols[5], typeRvas], [cols[6], nameRvas]] as const) {
            if (!col || col.dtype !== 'str') continue
            // Once per chunk by dictionary index; not looked up across chunks (a million names, nearly all
            // distinct, would cost a hash each for the few type names repeated per chunk).
            const byIndex = new Uint32Array(col.dict.length + 1)
            const dict = col.dict
            const index = col.index // hoisted: `col` is of many shapes, its property read is not cheap in the loop
            for (let i = 0; i < count; i++) {
              const k = index[i]!
              if (k === 0) continue
              out[row + i] = byIndex[k] ||= str(dict[k - 1]!, false)
            }
          }
          row += count
        }
        s.align(8)
        const at = s.reserve(L.HANDLE_DATA_HEADER_SIZE + n * L.HANDLE_DESCRIPTOR_SIZE)
        s.u32(at, L.HANDLE_DATA_HEADER_SIZE)
        s.u32(at + 4, L.HANDLE_DESCRIPTOR_SIZE)
        s.u32(at + 8, n)
        let i = 0
        for (const { count, cols } of chunks) {
          const [handle, attributes, access, handleCount, pointerCount] = cols
          const r = at + L.HANDLE_DATA_HEADER_SIZE + i * L.HANDLE_DESCRIPTOR_SIZE
          const wide = C.raw64(handle)
          const narrow = C.narrow64(handle)
          const fields32 = [L.HANDLE_DESCRIPTOR.TypeNameRva, L.HANDLE_DESCRIPTOR.ObjectNameRva, L.HANDLE_DESCRIPTOR.Attributes, L.HANDLE_DESCRIPTOR.GrantedAccess, L.HANDLE_DESCRIPTOR.HandleCount, L.HANDLE_DESCRIPTOR.PointerCount]
          const ints = [typeRvas.subarray(i, i + count), nameRvas.subarray(i, i + count), C.ints(attributes), C.ints(access), C.ints(handleCount), C.ints(pointerCount)]
          // A block of descriptors at a time, every field of it while it is in the cache.
          for (let from = 0; from < count; from += BLOCK_ROWS) {
            const n = Math.min(BLOCK_ROWS, count - from)
            const b = r + from * L.HANDLE_DESCRIPTOR_SIZE
            s.column64(b + L.HANDLE_DESCRIPTOR.Handle, L.HANDLE_DESCRIPTOR_SIZE, n, wide, narrow, from)
            for (let k = 0; k < 6; k++) {
              const v = ints[k]
              if (v) s.column32(b + fields32[k]!, L.HANDLE_DESCRIPTOR_SIZE, n, v, from)
            }
          }
          i += count
        }
        summary.handles = n
        return { rva: at, size: L.HANDLE_DATA_HEADER_SIZE + n * L.HANDLE_DESCRIPTOR_SIZE }
      },
    })
  }

  if (linux) {
    const lp = archive.header.linuxProcess
    const status = linuxStatus(archive)
    if (status) streams.push(textStream(L.STREAM.LinuxProcStatus, 'LinuxProcStatus', utf8(status)))
    if (lp?.commandLine && lp.commandLine.length > 0) streams.push(textStream(L.STREAM.LinuxCmdLine, 'LinuxCmdLine', utf8(lp.commandLine.map((a) => `${a}\0`).join(''))))
    const maps = linuxMaps(archive)
    if ('text' in maps) streams.push(textStream(L.STREAM.LinuxMaps, 'LinuxMaps', maps.text))
    else if (maps.leftOut === 'too-large') summary.linuxMapsTooLarge = true
  }

  if (memory.length > 0) {
    streams.push({
      type: L.STREAM.Memory64List,
      name: 'Memory64List',
      write(s) {
        s.align(8)
        const at = s.reserve(L.MEMORY64_LIST_HEADER_SIZE + memory.length * L.MEMORY_DESCRIPTOR64_SIZE)
        s.u64(at, BigInt(memory.length))
        memory.forEach((m, i) => {
          const r = at + L.MEMORY64_LIST_HEADER_SIZE + i * L.MEMORY_DESCRIPTOR64_SIZE
          s.u64(r, m.address)
          s.u64(r + 8, BigInt(m.bytes.length))
        })
        // The ranges' bytes follow, back to back from BaseRva, in descriptor order.
        s.align(16)
        s.u64(at + 8, BigInt(s.length))
        for (const m of memory) {
          memoryRvas.push(s.appendRef(m.bytes))
          summary.memoryRanges++
          summary.memoryBytes += m.bytes.length
        }
        // WinDbg wants this stream's size to cover the descriptors only: 16 × (N + 1).
        return { rva: at, size: L.MEMORY64_LIST_HEADER_SIZE + memory.length * L.MEMORY_DESCRIPTOR64_SIZE }
      },
    })
  }

  // Header and directory, then every stream's data; the directory is filled as streams are written. The fixed-size
  // records are known up front: room for them at once, so the buffer is not copied as it grows.
  // Contexts from the bytes present (a Linux register set becomes a 1232-byte CONTEXT), never from a count alone.
  let contextBytes = archive.sectionNames.includes('threads') ? archive.threads.length * L.THREAD_SIZE : 0
  for (const { count, column } of archive.threads.spans('contextRecord')) {
    if (column?.dtype !== 'bytes') continue
    const linuxSets = column.architecture?.startsWith('linux-') === true
    contextBytes += linuxSets ? Math.min(count, Math.floor(column.data.length / L.USER_REGS_X64_SIZE)) * (Math.max(L.CONTEXT_AMD64_SIZE, L.CONTEXT_ARM64_SIZE) + 16) : column.data.length + 16 * count
  }
  // Strings: at most every dictionary string once (MINIDUMP_STRING: length, UTF-16, NUL, alignment).
  // (Handle and thread names are all written, so reading them here costs nothing more; module names are few.)
  const strBound = (linux ? 0 : dictBytes(archive.handles, ['typeName', 'objectName'])) + dictBytes(archive.threads, ['threadName'])
  sink.expect(L.HEADER_SIZE + streams.length * L.DIRECTORY_SIZE + contextBytes + archive.vaSpace.length * L.MEMORY_INFO_SIZE + archive.handles.length * L.HANDLE_DESCRIPTOR_SIZE + memory.reduce((n, m) => n + m.bytes.length + 32, 0) + strBound + (1 << 20))
  sink.reserve(L.HEADER_SIZE)
  const dir = sink.reserve(streams.length * L.DIRECTORY_SIZE)
  let flags = 0
  streams.forEach((st, i) => {
    const { rva, size } = st.write(sink)
    sink.u32(dir + i * L.DIRECTORY_SIZE, st.type)
    sink.u32(dir + i * L.DIRECTORY_SIZE + 4, size)
    sink.u32(dir + i * L.DIRECTORY_SIZE + 8, rva)
    summary.streams.push(st.name)
    if (st.type === L.STREAM.HandleData) flags |= L.MINIDUMP_TYPE.WithHandleData
    if (st.type === L.STREAM.MemoryInfoList) flags |= L.MINIDUMP_TYPE.WithFullMemoryInfo
  })
  // Thread stacks: descriptors into the memory ranges' bytes, from the stack pointer to the range's end.
  for (const p of stackPatches) {
    const m = memory[p.range]!
    const skip = Number(p.sp - m.address)
    sink.u64(p.at + L.THREAD.StackStart, p.sp)
    sink.u32(p.at + L.THREAD.StackDataSize, m.bytes.length - skip)
    sink.u32(p.at + L.THREAD.StackRva, memoryRvas[p.range]! + skip)
  }
  sink.u32(0, L.MINIDUMP_SIGNATURE)
  sink.u32(4, L.MINIDUMP_VERSION)
  sink.u32(8, streams.length)
  sink.u32(12, L.HEADER_SIZE)
  sink.u32(20, Math.floor(Date.parse(archive.header.capture.startedAt) / 1000) >>> 0)
  sink.u64(24, BigInt(flags))
  const parts = sink.parts()
  let bytes: Uint8Array | undefined
  return {
    parts,
    length: sink.length,
    get bytes() {
      return (bytes ??= sink.result())
    },
    summary,
  }
}

/** A stream of text made here (never changed after): by reference, not copied into the file's array. */
function textStream(type: number, name: string, bytes: Uint8Array): Stream {
  return { type, name, write: (s) => ({ rva: s.appendRef(bytes), size: bytes.length }) }
}

const utf8 = (text: string) => new TextEncoder().encode(text)

/** Major, minor, build from `10.0.22631` (Windows) or a kernel release `6.1.0-18-amd64`; 0 where absent. */
function versionNumbers(osVersion: string | undefined, osBuild: string | undefined): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(osVersion ?? '')
  const num = (s: string | undefined) => (s !== undefined && Number(s) <= 0xffffffff ? Number(s) : 0)
  const build = osBuild !== undefined && /^\d+$/.test(osBuild) ? num(osBuild) : num(m?.[3])
  return [num(m?.[1]), num(m?.[2]), build]
}

/** An upper bound of the bytes the MINIDUMP_STRINGs of these str columns take, every dictionary string once. */
function dictBytes(section: Archive['handles'] | Archive['threads'] | Archive['vaSpace'], names: readonly string[]): number {
  let n = 0
  for (const name of names) {
    for (const { column } of section.spans(name)) {
      if (column?.dtype !== 'str') continue
      for (let i = 0; i < column.dict.length; i++) n += 2 * column.dict[i]!.length + 10
    }
  }
  return n
}
