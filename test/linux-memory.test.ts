// `capture --memory` on Linux (spec/LINUX.md §10, ARCHIVE.md §6.4): stacks and requested ranges read from
// /proc/<pid>/mem while held, stored as auxiliaryPages with memorySource; `info` says how much; `redact` drops
// it unless --keep-memory. Oracles: the executable's own bytes on disk (an ELF mapping's first bytes are the
// file's), and /proc/<pid>/maps read here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureToFile } from '../capture/index.js'
import { openArchiveFile } from '../reader/node.js'
import { buildChain, startChain, type ChainTarget } from './helpers/chain-target.js'
import { runCli } from './helpers/cli.js'

const linux = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')

describe.skipIf(!linux)('capture --memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-memory-'))
  let target: ChainTarget
  let archivePath = ''
  /** The executable's first mapping (offset 0 of the file), from maps. */
  let imageBase = 0n
  beforeAll(async () => {
    target = startChain(buildChain())
    const maps = readFileSync(`/proc/${target.pid}/maps`, 'latin1').split('\n')
    const line = maps.find((l) => l.endsWith(target.executable) && l.split(/\s+/)[2] === '00000000')!
    imageBase = BigInt(`0x${line.split('-')[0]}`)
    archivePath = join(dir, 'mem.pssnap')
    // 4 KiB from the image's base, and every stack with a small limit.
    await captureToFile(target.pid, archivePath, { memory: ['stacks', `0x${imageBase.toString(16)}:4096`], stackLimit: 8192 })
  }, 60_000)
  afterAll(() => {
    target?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a requested range holds the bytes the process has there (the ELF file\'s first page)', async () => {
    const archive = await openArchiveFile(archivePath)
    const ranges = archive.auxiliaryPages.toArray().filter((p) => p.memorySource === 'range')
    expect(ranges).toHaveLength(1)
    expect(ranges[0]!.address).toBe(imageBase)
    expect(ranges[0]!.pageSize).toBe(4096)
    expect(ranges[0]!.basicInformation?.baseAddress).toBe(imageBase)
    expect(Buffer.from(ranges[0]!.pageContents!)).toEqual(readFileSync(target.executable).subarray(0, 4096))
  })

  it('each thread\'s stack from its stack pointer, within the limit and its mapping', async () => {
    const archive = await openArchiveFile(archivePath)
    const threads = archive.threads.toArray()
    const stacks = archive.auxiliaryPages.toArray().filter((p) => p.memorySource === 'stack')
    expect(new Set(stacks.map((p) => p.threadId))).toEqual(new Set(target.tids))
    for (const t of threads) {
      const sp = BigInt(((await import('../format/index.js')).decodeRegisters(t.contextRecord, undefined)!)[process.arch === 'x64' ? 'rsp' : 'sp']!)
      const mine = stacks.filter((p) => p.threadId === t.threadId)
      const start = mine[0]!.address!
      const bytes = mine.reduce((n, p) => n + p.pageSize!, 0)
      expect(start).toBeLessThanOrEqual(sp)
      expect(sp - start).toBeLessThanOrEqual(128n + 15n)
      expect(bytes).toBeLessThanOrEqual(8192)
      const region = mine[0]!.basicInformation!
      expect(start + BigInt(bytes)).toBeLessThanOrEqual(region.baseAddress! + region.regionSize!)
    }
    expect(archive.version.minor).toBe(3) // the regions' whole maps line (spec/LINUX.md §11)
  })

  it('info says how much memory is inside and from where; redact drops it unless --keep-memory', async () => {
    const info = await runCli('info', archivePath, '--json')
    const memory = (JSON.parse(info.stdout) as { memory: { ranges: number; bytes: number; sources: Record<string, number>; stackThreads: number } }).memory
    const archive = await openArchiveFile(archivePath)
    const pages = archive.auxiliaryPages.toArray()
    expect(memory).toEqual({ ranges: pages.length, bytes: pages.reduce((n, p) => n + p.pageContents!.length, 0), sources: { stack: pages.length - 1, range: 1, pss: 0, other: 0 }, stackThreads: 3 })
    expect((await runCli('info', archivePath)).stdout).toMatch(new RegExp(`memory: ${pages.length} ranges, .* \\(stacks of 3 threads, 1 requested range\\)`))
    const dropped = join(dir, 'dropped.pssnap')
    const kept = join(dir, 'kept.pssnap')
    expect((await runCli('redact', archivePath, '-o', dropped, '--key', 'k')).code).toBe(0)
    expect((await runCli('redact', archivePath, '-o', kept, '--key', 'k', '--keep-memory')).code).toBe(0)
    expect((await openArchiveFile(dropped)).auxiliaryPages.toArray().every((p) => p.pageContents === undefined && p.pageSize! > 0)).toBe(true)
    const keptPages = (await openArchiveFile(kept)).auxiliaryPages.toArray()
    expect(keptPages.map((p) => [p.memorySource, p.pageContents?.length])).toEqual(pages.map((p) => [p.memorySource, p.pageContents?.length]))
  })

  it('a malformed --memory is refused before anything is held', async () => {
    const r = await runCli('capture', String(target.pid), '--memory', 'heap', '-o', join(dir, 'bad.pssnap'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/UNSUPPORTED_OPTION - --memory takes 'stacks' or <address>:<size>/)
  })
})
