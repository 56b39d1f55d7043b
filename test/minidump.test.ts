// Minidumps from archives (minidump/, spec/MINIDUMP.md), checked by tools nobody here wrote: Debian's lldb 14
// opens them and shows threads, registers, modules and (Linux, with --memory stacks) a backtrace through the
// three functions of test/fixtures-c/chain.c; obj2yaml (LLVM 14) parses every stream. The values they print
// are compared with the archive's own. lldb and obj2yaml are installed by .ci/run: skipped only where they are
// absent and PSSNAP_REQUIRE_LLDB is not 1.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasTool } from './helpers/tools.js'
import { captureToFile } from '../capture/index.js'
import { ArchiveWriter, decodeRegisters, MemorySink } from '../format/index.js'
import { decodeArchive } from '../reader/archive.js'
import { nodeHooks } from '../reader/node.js'
import { writeMinidump } from '../minidump/index.js'
import { openArchiveFile } from '../reader/node.js'
import { buildChain, startChain, type ChainTarget } from './helpers/chain-target.js'
import { runCli } from './helpers/cli.js'
import { loadFakePss } from './helpers/fake-pss.js'

const has = hasTool
const REQUIRED = process.env.PSSNAP_REQUIRE_LLDB === '1'
const tools = has('lldb') && has('obj2yaml')
if (!tools && !REQUIRED) console.warn('test/minidump.test.ts: lldb or obj2yaml not found, debugger checks skipped (set PSSNAP_REQUIRE_LLDB=1 to make this a failure)')
const linuxX64 = process.platform === 'linux' && process.arch === 'x64'

// lldb's Python support prints noise without this path (reach-notes).
const LLDB_ENV = { ...process.env, PYTHONPATH: '/usr/lib/llvm-14/lib/python3.11/dist-packages' }
function lldb(dump: string, ...commands: string[]): string {
  if (!tools) throw new Error('PSSNAP_REQUIRE_LLDB=1 but lldb or obj2yaml is not installed')
  const args = ['--batch', '--no-lldbinit', '-c', dump, ...commands.flatMap((c) => ['-o', c])]
  return execFileSync('lldb', args, { env: LLDB_ENV, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
}
const obj2yaml = (dump: string) => execFileSync('obj2yaml', [dump], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 })

/** `tid = 0x1b58` or `tid = 3441` from `thread list`, as numbers. */
const threadIds = (out: string) => [...out.matchAll(/tid = (0x[0-9a-f]+|\d+)/g)].map((m) => Number(m[1]))
/** A register's value from `register read` (undefined when lldb did not print it). */
function register(out: string, name: string): bigint | undefined {
  const m = new RegExp(`^\\s*${name} = (0x[0-9a-f]+)`, 'm').exec(out)
  return m ? BigInt(m[1]!) : undefined
}

const dir = mkdtempSync(join(tmpdir(), 'pssnap-minidump-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!tools && !REQUIRED)('Windows minidump of a capture against the fake PSS library', () => {
  let archivePath = ''
  let dumpPath = ''
  beforeAll(async () => {
    const { library, pss, control } = await loadFakePss()
    archivePath = join(dir, 'win.pssnap')
    await captureToFile(4242, archivePath, { pssLibrary: library })
    pss.close()
    control.unload()
    const archive = await openArchiveFile(archivePath)
    dumpPath = join(dir, 'win.dmp')
    writeFileSync(dumpPath, writeMinidump(archive).bytes)
  })

  it('lldb shows the threads, the registers of each CONTEXT and the modules', async () => {
    const archive = await openArchiveFile(archivePath)
    const threads = archive.threads.toArray()
    expect(threads.length).toBeGreaterThan(0)
    const out = lldb(dumpPath, 'thread list', 'register read', 'image list')
    expect(out).toMatch(new RegExp(`Process ${archive.header.target.processId} stopped`))
    expect(threadIds(out)).toEqual(threads.map((t) => t.threadId))
    // The selected thread is the first: its registers are the archive's CONTEXT's.
    const regs = decodeRegisters(threads[0]!.contextRecord, archive.contextArchitecture)!
    expect(register(out, 'rip')).toBe(regs.Rip)
    expect(register(out, 'rsp')).toBe(regs.Rsp)
    expect(register(out, 'rbp')).toBe(regs.Rbp)
    const images = archive.vaSpace.toArray().filter((r) => r.type === 0x1000000 && r.mappedFileName)
    expect(images.length).toBeGreaterThan(0)
    for (const r of images) expect(out).toContain(r.mappedFileName!)
  })

  it('obj2yaml parses every stream, with the archive values', async () => {
    const archive = await openArchiveFile(archivePath)
    const yaml = obj2yaml(dumpPath)
    expect(yaml).toMatch(/Processor Arch:\s+AMD64/)
    expect(yaml).toMatch(/Platform ID:\s+Win32NT/)
    for (const type of ['SystemInfo', 'MiscInfo', 'ThreadList', 'ModuleList', 'MemoryInfoList', 'HandleData']) expect(yaml).toContain(`Type:            ${type}`)
    // Every region, in order, with its base and size.
    const bases = [...yaml.matchAll(/Base Address:\s+0x([0-9A-F]+)/g)].map((m) => BigInt(`0x${m[1]}`))
    expect(bases).toEqual(archive.vaSpace.toArray().map((r) => r.baseAddress))
    const tebs = [...yaml.matchAll(/Environment Block:\s+0x([0-9A-F]+)/g)].map((m) => BigInt(`0x${m[1]}`))
    expect(tebs).toEqual(archive.threads.toArray().filter((t) => t.tebBaseAddress).map((t) => t.tebBaseAddress))
    // HandleData: obj2yaml shows its bytes; the descriptors (MINIDUMP_HANDLE_DESCRIPTOR, 32 bytes) are read
    // here by hand, their names through the RVAs into the file.
    const hex = /Type:\s+HandleData\s+Content:\s+([0-9A-F]+)/.exec(yaml)![1]!
    const data = Buffer.from(hex, 'hex')
    const file = readFileSync(dumpPath)
    const name = (rva: number) => (rva === 0 ? undefined : file.subarray(rva + 4, rva + 4 + file.readUInt32LE(rva)).toString('utf16le'))
    expect([data.readUInt32LE(0), data.readUInt32LE(4), data.readUInt32LE(8)]).toEqual([16, 32, archive.handles.length])
    const got = archive.handles.toArray().map((_, i) => {
      const d = data.subarray(16 + i * 32, 48 + i * 32)
      return { handle: d.readBigUInt64LE(0), typeName: name(d.readUInt32LE(8)), objectName: name(d.readUInt32LE(12)), attributes: d.readUInt32LE(16), grantedAccess: d.readUInt32LE(20), handleCount: d.readUInt32LE(24), pointerCount: d.readUInt32LE(28) }
    })
    expect(got).toEqual(archive.handles.toArray().map((h) => ({ handle: h.handle, typeName: h.typeName, objectName: h.objectName, attributes: h.attributes ?? 0, grantedAccess: h.grantedAccess ?? 0, handleCount: h.handleCount ?? 0, pointerCount: h.pointerCount ?? 0 })))
  })
})

describe.skipIf((!tools && !REQUIRED) || !linuxX64)('Linux minidump of a real process captured with --registers --memory stacks', () => {
  let target: ChainTarget
  let archivePath = ''
  let dumpPath = ''
  beforeAll(async () => {
    target = startChain(buildChain())
    archivePath = join(dir, 'chain.pssnap')
    await captureToFile(target.pid, archivePath, { registers: true, memory: ['stacks'] })
    dumpPath = join(dir, 'chain.dmp')
    // Through the CLI: the export verb, its safe output and the built bundle (npm test builds dist/ first).
    const r = await runCli('export', archivePath, '--format', 'minidump', '-o', dumpPath)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  }, 60_000)
  afterAll(() => target?.kill())

  it('holds every thread\'s registers and stack in the archive (format 1.3: with the whole maps line)', async () => {
    const archive = await openArchiveFile(archivePath)
    expect(archive.version).toEqual({ major: 1, minor: 3 })
    expect(archive.diagnostics).toEqual([])
    const threads = archive.threads.toArray()
    expect(threads.map((t) => t.threadId).sort((a, b) => a! - b!)).toEqual(target.tids)
    for (const t of threads) {
      expect(t.sizeOfContextRecord).toBe(216)
      expect(t.heldTime).toBeGreaterThan(0n)
    }
    expect(archive.threads.contextArchitecture).toBe('linux-x64')
    const pages = archive.auxiliaryPages.toArray()
    expect(new Set(pages.map((p) => p.threadId))).toEqual(new Set(target.tids))
    expect(pages.every((p) => p.memorySource === 'stack' && p.pageContents!.length === p.pageSize)).toBe(true)
  })

  it('lldb shows the threads, registers, modules and the backtrace chain_inner → chain_middle → chain_outer → main', async () => {
    const archive = await openArchiveFile(archivePath)
    const out = lldb(dumpPath, 'thread list', 'register read', 'image list', 'bt')
    expect(out).toMatch(new RegExp(`Process ${target.pid} stopped`))
    expect(threadIds(out).sort((a, b) => a - b)).toEqual(target.tids)
    const main = archive.threads.toArray().find((t) => t.threadId === target.pid)!
    const first = archive.threads.toArray()[0]!
    const regs = decodeRegisters(first.contextRecord, undefined)!
    expect(register(out, 'rip')).toBe(regs.rip)
    expect(register(out, 'rsp')).toBe(regs.rsp)
    expect(main).toBeDefined()
    expect(out).toContain(target.executable)
    expect(out).toMatch(/libc\.so\.6/)
    const frames = [...out.matchAll(/frame #\d+: 0x[0-9a-f]+ \S+`(\w+)/g)].map((m) => m[1])
    const at = frames.indexOf('chain_inner')
    expect(at, out).toBeGreaterThan(-1)
    expect(frames.slice(at, at + 4)).toEqual(['chain_inner', 'chain_middle', 'chain_outer', 'main'])
  })

  it('obj2yaml parses it as a Linux minidump with the /proc streams the archive can fill', () => {
    const yaml = obj2yaml(dumpPath)
    expect(yaml).toMatch(/Platform ID:\s+Linux/)
    expect(yaml).toMatch(/Processor Arch:\s+AMD64/)
    expect(yaml).toContain('Type:            LinuxProcStatus')
    expect(yaml).toMatch(new RegExp(`Pid:\\s+${target.pid}`))
    // obj2yaml spells it LinuxCMDLine and prints it as text: the arguments, NUL-separated.
    expect(yaml).toMatch(new RegExp(`Type:\\s+LinuxCMDLine\\s+Text:\\s+\\|\\s+${target.executable.replace(/[.]/g, '\\.')}\\s`))
    expect(yaml).toContain('Type:            Memory64List')
    expect(yaml).not.toContain('HandleData')
  })

  it('LinuxMaps: obj2yaml prints the child\'s own /proc/<pid>/maps, line for line; lldb names each mapping from it', () => {
    const yaml = obj2yaml(dumpPath)
    const block = /Type:\s+LinuxMaps\n\s+Text:\s+\|\n((?: {6}.*\n)+)/.exec(yaml)
    expect(block, yaml.slice(0, 4000)).not.toBeNull()
    const dumped = block![1]!.split('\n').slice(0, -1).map((l) => l.slice(6))
    // The oracle: the kernel's own text, read now (the child is blocked in chain_inner; its mappings do not move).
    const real = readFileSync(`/proc/${target.pid}/maps`, 'utf8').split('\n').slice(0, -1)
    expect(dumped.length).toBe(real.length)
    const fileBacked = (lines: string[]) => lines.filter((l) => /^\S+ \S+ \S+ \S+ \d+ +\//.test(l))
    expect(fileBacked(real).length).toBeGreaterThan(5)
    expect(fileBacked(dumped)).toEqual(fileBacked(real))
    // Every other line too (anonymous memory, [heap], [stack], [vdso]), as far as the capture's moment and now agree.
    expect(dumped.filter((l) => real.includes(l)).length).toBeGreaterThanOrEqual(real.length - 2)
    // lldb reads LinuxMaps for its memory regions: the permissions and the path of a mapping that is no module
    // (the stack) can come from nowhere else in the dump; the executable's code mapping is named with its path.
    const code = real.find((l) => / r-xp /.test(l) && l.endsWith(target.executable))!
    const stack = real.find((l) => l.endsWith('[stack]'))!
    const at = (line: string) => `0x${(BigInt(`0x${line.split('-')[0]}`) + 0x10n).toString(16)}`
    const out = lldb(dumpPath, `memory region ${at(code)}`, `memory region ${at(stack)}`)
    const range = (line: string) => line.split(' ')[0]!.split('-').map((a) => a.padStart(16, '0')).join('-0x')
    expect(out).toContain(`[0x${range(code)}) r-x ${target.executable}`)
    expect(out).toContain(`[0x${range(stack)}) rw- [stack]`)
  })
})

// No arm64 machine here: a Linux arm64 archive built by hand (register sets as NT_PRSTATUS gives them, x_n = n,
// sp, pc, pstate set apart) goes through the writer and lldb reads the registers back from the minidump.
describe.skipIf(!tools && !REQUIRED)('Linux arm64 register sets in the minidump', () => {
  it('lldb reads x0…x30, sp, pc and cpsr as the register set holds them', async () => {
    const set = new Uint8Array(272)
    const v = new DataView(set.buffer)
    for (let n = 0; n <= 30; n++) v.setBigUint64(n * 8, 0x1000n + BigInt(n), true)
    v.setBigUint64(248, 0xffffc0de0000n, true) // sp
    v.setBigUint64(256, 0xaaaabbbb1234n, true) // pc
    v.setBigUint64(264, 0x60000000n, true) // pstate: Z and C
    const sink = new MemorySink()
    const w = new ArchiveWriter(sink, { hooks: nodeHooks, contextArchitecture: 'linux-arm64', formatMinor: 2 })
    await w.begin({ producer: { tool: 'test', version: '0' }, host: { platform: 'linux', architecture: 'arm64', osVersion: '6.1.0' }, target: { processId: 4321, architecture: 'arm64' }, capture: { captureFlags: 0x80, threadContextFlags: 0, startedAt: '2026-12-02T00:00:00.000Z' } })
    w.declareSection('threads')
    await w.add('threads', { threadId: 4321, contextRecord: set, sizeOfContextRecord: 272 } as never)
    await w.finish({})
    const archive = await decodeArchive(sink.bytes(), { hooks: nodeHooks })
    const dump = join(dir, 'arm64.dmp')
    writeFileSync(dump, writeMinidump(archive).bytes)
    const out = lldb(dump, 'thread list', 'register read x0 x7 x28 fp lr sp pc cpsr')
    expect(out).toMatch(/Process 4321 stopped/)
    expect(out).toMatch(/tid = 4321/)
    expect(register(out, 'x0')).toBe(0x1000n)
    expect(register(out, 'x7')).toBe(0x1007n)
    expect(register(out, 'x28')).toBe(0x101cn)
    expect(register(out, 'fp')).toBe(0x101dn)
    expect(register(out, 'lr')).toBe(0x101en)
    expect(register(out, 'sp')).toBe(0xffffc0de0000n)
    expect(register(out, 'pc')).toBe(0xaaaabbbb1234n)
    // cpsr: lldb 14 reads it where Breakpad's old arm64 layout had it (after pc); the CONTEXT written is the
    // current one (Windows' ARM64 CONTEXT, Breakpad's MDRawContextARM64: flags, then cpsr at 4), checked here
    // from obj2yaml's bytes of it.
    const context = Buffer.from(/Context:\s+([0-9A-F]+)/.exec(obj2yaml(dump))![1]!, 'hex')
    expect(context.length).toBe(912)
    expect([context.readUInt32LE(0), context.readUInt32LE(4)]).toEqual([0x400003, 0x60000000])
  })
})
