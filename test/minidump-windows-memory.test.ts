// `capture --memory` on the Windows path, against the fake PSS library (test/fake-pss/): memory is read from the
// VA clone (ReadProcessMemory on its handle; --memory adds PSS_CAPTURE_VA_CLONE), before the clone is ended, and
// stored as auxiliaryPages; unreadable bytes end a range with ERROR_PARTIAL_COPY, never zeros. lldb (Debian's)
// then reads the stack at $rsp and a requested range out of the minidump; the bytes are the fake's clone memory,
// FAKE_MEMORY_BYTE(address) of fake_pss.h.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureToFile } from '../capture/index.js'
import { writeMinidump } from '../minidump/index.js'
import { openArchiveFile } from '../reader/node.js'
import { loadFakePss } from './helpers/fake-pss.js'

/** fake_pss.h's FAKE_MEMORY_BYTE. */
const fakeByte = (a: bigint) => Number(((a >> 3n) ^ (a * 131n) ^ 0x5an) & 0xffn)
const fakeBytes = (from: bigint, n: number) => Array.from({ length: n }, (_, i) => fakeByte(from + BigInt(i)))

const tools = spawnSync('lldb', ['--version'], { stdio: 'ignore' }).status === 0
const REQUIRED = process.env.PSSNAP_REQUIRE_LLDB === '1'
const RANGE = 0x7ff600000000n // region 0 of the fake: 0x1000 committed bytes, then nothing until region 1

describe('Windows --memory from the VA clone (fake PSS library)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pssnap-winmem-'))
  let archivePath = ''
  let fake: Awaited<ReturnType<typeof loadFakePss>>
  beforeAll(async () => {
    fake = await loadFakePss()
    archivePath = join(dir, 'mem.pssnap')
    await captureToFile(4242, archivePath, { pssLibrary: fake.library, memory: ['stacks', `0x${RANGE.toString(16)}:0x2000`], stackLimit: 0x3000 })
  })
  afterAll(() => {
    fake.pss.close()
    fake.control.unload()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads the clone, not the target, and ends the clone', async () => {
    expect(fake.fake.liveClones()).toBe(0)
    const archive = await openArchiveFile(archivePath)
    expect(archive.version.minor).toBe(2)
    expect(archive.header.capture.captureFlags & 0x1).toBe(1) // PSS_CAPTURE_VA_CLONE, added for --memory
    const pages = archive.auxiliaryPages.toArray()
    const stacks = pages.filter((p) => p.memorySource === 'stack')
    const withContext = archive.threads.toArray().filter((t) => t.contextRecord)
    expect(stacks.map((p) => p.threadId)).toEqual(withContext.map((t) => t.threadId))
    for (const p of pages) expect([...p.pageContents!]).toEqual(fakeBytes(p.address!, p.pageContents!.length))
    // The range stops where the clone's memory does (0x1000 of the 0x2000 asked for), with the reason.
    const range = pages.filter((p) => p.memorySource === 'range')
    expect(range.map((p) => [p.address, p.pageSize])).toEqual([[RANGE, 0x1000]])
    expect(archive.captureErrors).toContainEqual(expect.objectContaining({ section: 'auxiliaryPages', operation: 'ReadProcessMemory', code: 299, name: 'ERROR_PARTIAL_COPY' }))
    expect(stacks.every((p) => p.pageSize! <= 0x3000)).toBe(true)
  })

  it.skipIf(!tools && !REQUIRED)('lldb reads $rsp and the range out of the minidump', async () => {
    const archive = await openArchiveFile(archivePath)
    const dump = join(dir, 'mem.dmp')
    writeFileSync(dump, writeMinidump(archive).bytes)
    const out = execFileSync('lldb', ['--batch', '--no-lldbinit', '-c', dump, '-o', 'register read rsp', '-o', 'x/16xb $rsp', '-o', `x/16xb 0x${RANGE.toString(16)}`], { env: { ...process.env, PYTHONPATH: '/usr/lib/llvm-14/lib/python3.11/dist-packages' }, encoding: 'utf8', timeout: 60_000 })
    const rsp = BigInt(/rsp = (0x[0-9a-f]+)/.exec(out)![1]!)
    const rows = (at: bigint) => [...out.matchAll(new RegExp(`^0x0*${at.toString(16)}: (.*)$`, 'gm'))].flatMap((m) => m[1]!.trim().split(/\s+/).map(Number))
    expect(rows(rsp).slice(0, 8)).toEqual(fakeBytes(rsp, 8))
    expect(rows(RANGE).slice(0, 8)).toEqual(fakeBytes(RANGE, 8))
  })
})
