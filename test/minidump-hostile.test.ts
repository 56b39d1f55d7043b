// The minidump writer on archives from strangers: every golden fixture and every corpus file that opens
// (damaged, hostile) gives a minidump whose directory points inside the file (read back here by hand, sharing
// nothing with minidump/), or MINIDUMP_TOO_LARGE, never another exception. Register sets without a minidump form
// are left out and counted; a name cannot add lines to LinuxProcStatus.
import { describe, expect, it } from 'vitest'
import { ArchiveWriter, MemorySink } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks } from '../reader/node.js'
import { MinidumpTooLargeError, writeMinidump } from '../minidump/index.js'
import { fuzzInputs } from './fuzz/inputs.js'

/** Header, directory and every stream's extent, checked against the file's length. */
function directory(dump: Uint8Array): { type: number; size: number; rva: number }[] {
  const v = new DataView(dump.buffer, dump.byteOffset, dump.byteLength)
  expect(v.getUint32(0, true)).toBe(0x504d444d)
  const n = v.getUint32(8, true)
  const at = v.getUint32(12, true)
  expect(at + n * 12).toBeLessThanOrEqual(dump.length)
  return Array.from({ length: n }, (_, i) => {
    const e = { type: v.getUint32(at + i * 12, true), size: v.getUint32(at + i * 12 + 4, true), rva: v.getUint32(at + i * 12 + 8, true) }
    expect(e.rva + e.size).toBeLessThanOrEqual(dump.length)
    return e
  })
}

describe('minidumps of every fixture and corpus archive', () => {
  it.each(fuzzInputs().map((i) => [i.name, i.bytes] as const))('%s', async (_name, bytes) => {
    const archive = await decodeArchive(bytes, { hooks: nodeHooks })
    let dump: Uint8Array
    try {
      dump = writeMinidump(archive).bytes
    } catch (error) {
      expect(error).toBeInstanceOf(MinidumpTooLargeError)
      return
    }
    const streams = directory(dump)
    expect(streams.map((s) => s.type)).toContain(7) // SystemInfo, always
    expect(new Set(streams.map((s) => s.type)).size).toBe(streams.length)
  })
})

async function linuxArchive(threads: object[], architecture: string): Promise<Uint8Array> {
  const sink = new MemorySink()
  const w = new ArchiveWriter(sink, { hooks: nodeHooks, contextArchitecture: architecture, formatMinor: 2 })
  await w.begin({ producer: { tool: 'test', version: '0' }, host: { platform: 'linux', architecture: 'arm64', osVersion: '6.1.0' }, target: { processId: 77 }, capture: { captureFlags: 0x80, threadContextFlags: 0, startedAt: '2026-12-02T00:00:00.000Z' } })
  w.declareSection('threads')
  for (const t of threads) await w.add('threads', t as never)
  await w.finish({})
  return sink.bytes()
}

describe('ThreadNames', () => {
  it('names every named thread of a fixture, by id, each name read back through its RVA', async () => {
    const input = fuzzInputs().find((i) => i.name === 'spec/fixtures/small.pssnap')!
    const archive = await decodeArchive(input.bytes, { hooks: nodeHooks })
    const dump = writeMinidump(archive).bytes
    const names = directory(dump).find((s) => s.type === 24)!
    const v = new DataView(dump.buffer, dump.byteOffset, dump.byteLength)
    const got = Array.from({ length: v.getUint32(names.rva, true) }, (_, i) => {
      const at = names.rva + 4 + i * 12
      const rva = Number(v.getBigUint64(at + 4, true))
      return [v.getUint32(at, true), Buffer.from(dump.subarray(rva + 4, rva + 4 + v.getUint32(rva, true))).toString('utf16le')]
    })
    const expected = archive.threads.toArray().filter((t) => t.threadName !== undefined).map((t) => [t.threadId, t.threadName])
    expect(expected.length).toBeGreaterThan(0)
    expect(got).toEqual(expected)
  })
})

describe('Linux register sets and names', () => {
  it('a register set too short for its layout gets no context, counted; a name with a newline stays one line', async () => {
    const threads = [{ threadId: 77, threadName: 'evil\nPid:\t1', contextRecord: new Uint8Array(272).fill(1), sizeOfContextRecord: 272 }, { threadId: 78, contextRecord: new Uint8Array(16).fill(2), sizeOfContextRecord: 16 }]
    const archive = await decodeArchive(await linuxArchive(threads, 'linux-arm64'), { hooks: nodeHooks })
    const { bytes, summary } = writeMinidump(archive)
    expect(summary).toMatchObject({ platform: 'linux', threads: 2, threadsWithContext: 1, contextsLeftOut: 1 })
    const status = directory(bytes).find((s) => s.type === 0x47670004)!
    const text = new TextDecoder().decode(bytes.subarray(status.rva, status.rva + status.size))
    expect(text).toBe('Name:\tevil?Pid:?1\nPid:\t77\n')
  })

  it('a linux-x64 set shorter than user_regs_struct is left out, not read past its end', async () => {
    const archive = await decodeArchive(await linuxArchive([{ threadId: 5, contextRecord: new Uint8Array(100).fill(3), sizeOfContextRecord: 100 }], 'linux-x64'), { hooks: nodeHooks })
    expect(writeMinidump(archive).summary).toMatchObject({ threadsWithContext: 0, contextsLeftOut: 1 })
  })
})
