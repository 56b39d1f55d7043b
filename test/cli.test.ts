// End to end: `node dist/cli.js …` (built by `npm run build`, which `npm test` runs first) on archives written
// here with the library's writer. Asserts stdout, stderr and exit codes of every command and output mode.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, truncate, writeFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ArchiveHeaderInput, Epilogue } from '../format/index.js'
import { writeArchiveFile, type ArchiveWriter } from '../reader/node.js'
import { CLI, runCli } from './helpers/cli.js'
import { context, ft } from './helpers/values.js'

const run = runCli


const header: ArchiveHeaderInput = {
  producer: { tool: 'pssnap', version: '0.1.0' },
  host: { platform: 'windows', architecture: 'x64', osVersion: '10.0.22631', osBuild: '22631', machineName: 'DESKTOP-TEST' },
  target: { processId: 4242, imagePath: 'C:\\Windows\\System32\\notepad.exe', architecture: 'x64' },
  capture: { captureFlags: 0x19bd, threadContextFlags: 0x10000b, startedAt: '2026-11-25T12:00:00.000Z', preset: 'default' },
  processInformation: {
    exitStatus: 0x103, pebBaseAddress: 0x3f1a2b0000n, affinityMask: 0xffn, basePriority: 8, processId: 4242, parentProcessId: 1234, flags: 0,
    createTime: ft('2026-11-25T11:00:00Z'), exitTime: 0n, kernelTime: 1_250_000n, userTime: 2_500_000n, priorityClass: 0x20,
    peakVirtualSize: 2203318222848n, virtualSize: 2203318218752n, pageFaultCount: 12345, peakWorkingSetSize: 26214400n, workingSetSize: 20971520n,
    quotaPeakPagedPoolUsage: 1n, quotaPagedPoolUsage: 1n, quotaPeakNonPagedPoolUsage: 1n, quotaNonPagedPoolUsage: 1n,
    pagefileUsage: 5242880n, peakPagefileUsage: 6291456n, privateUsage: 5242880n, executeFlags: 0, imageFileName: 'notepad.exe',
  },
  handleInformation: { handlesCaptured: 5 },
  threadInformation: { threadsCaptured: 3, contextLength: 1232 },
  vaSpaceInformation: { regionCount: 5 },
}

const epilogue: Epilogue = {
  finishedAt: '2026-11-25T12:00:00.250Z',
  timings: { captureMs: 12.5, queryMs: 0.31, walkMs: 4.1, writeMs: 2 },
  captureErrors: [{ section: 'auxiliaryPages', operation: 'PssWalkSnapshot', code: 1168, name: 'ERROR_NOT_FOUND', message: 'no auxiliary pages were captured' }],
}

function fill(w: ArchiveWriter): void {
  w.add('handles', { handle: 4n, flags: 0xf, objectType: 4, captureTime: ft('2026-11-25T12:00:00Z'), grantedAccess: 0x1f0003, handleCount: 1, pointerCount: 32769, typeName: 'Event', objectName: '\\BaseNamedObjects\\Ready', typeSpecificInformation: { event: { manualReset: 1, signaled: 0 } } })
  w.add('handles', { handle: 8n, flags: 0xf, objectType: 5, grantedAccess: 0xf001f, handleCount: 3, pointerCount: 5, typeName: 'Section', objectName: '\\Sessions\\1\\BaseNamedObjects\\Shared, "quoted"', typeSpecificInformation: { section: { baseAddress: 0n, allocationAttributes: 0x8000000, maximumSize: 65536n } } })
  w.add('handles', { handle: 0x1a8n, flags: 0xf, objectType: 1, grantedAccess: 0x1fffff, handleCount: 7, pointerCount: 200, typeName: 'Process', typeSpecificInformation: { process: { processId: 1234, parentProcessId: 4 } } })
  w.add('handles', { handle: 0x1acn, flags: 0x3, objectType: 0, grantedAccess: 0x12019f, handleCount: 1, pointerCount: 1, typeName: 'File', objectName: '\\Device\\HarddiskVolume3\\Windows\\System32\\en-US\\notepad.exe.mui' })
  w.add('handles', { handle: 0x1b0n, flags: 0xf, objectType: 2, grantedAccess: 0x1fffff, handleCount: 2, pointerCount: 3, typeName: 'Thread', typeSpecificInformation: { thread: { processId: 4242, threadId: 5001 } } })
  w.add('threads', { threadId: 5001, processId: 4242, priority: 10, basePriority: 8, suspendCount: 0, win32StartAddress: 0x7ff612345678n, createTime: ft('2026-11-25T11:00:00.125Z'), kernelTime: 1_000_000n, userTime: 2_000_000n, flags: 0, sizeOfContextRecord: 1232, contextRecord: context(0x7ffb1c2d3e4fn, 0x3f1a4ffa28n), threadName: 'main' })
  w.add('threads', { threadId: 5002, processId: 4242, priority: 8, basePriority: 8, suspendCount: 1, win32StartAddress: 0x7ffb00001000n, createTime: ft('2026-11-25T11:00:01Z'), kernelTime: 30_000n, userTime: 0n, flags: 0, sizeOfContextRecord: 1232, contextRecord: context(0x7ffb1c2d0000n, 0x3f1a6ff000n) })
  w.add('threads', { threadId: 5003, processId: 4242, priority: 15, basePriority: 8, suspendCount: 0, win32StartAddress: 0x7ffb00002000n, createTime: ft('2026-11-25T11:00:02Z'), kernelTime: 0n, userTime: 0n, flags: 1 })
  w.add('vaSpace', { baseAddress: 0n, allocationBase: 0n, regionSize: 0x7ffe0000n, state: 0x10000, protect: 1, type: 0 })
  w.add('vaSpace', { baseAddress: 0x7ffe0000n, allocationBase: 0x7ffe0000n, regionSize: 0x1000n, state: 0x1000, protect: 2, type: 0x20000 })
  w.add('vaSpace', { baseAddress: 0x3f1a4f0000n, allocationBase: 0x3f1a4f0000n, regionSize: 0x10000n, state: 0x1000, protect: 0x104, type: 0x20000 })
  w.add('vaSpace', { baseAddress: 0x7ff612340000n, allocationBase: 0x7ff612340000n, regionSize: 0x1000n, state: 0x1000, protect: 2, type: 0x1000000, mappedFileName: '\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe' })
  w.add('vaSpace', { baseAddress: 0x7ff612341000n, allocationBase: 0x7ff612340000n, regionSize: 0x1a000n, state: 0x1000, protect: 0x20, type: 0x1000000, mappedFileName: '\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe' })
  w.declareSection('auxiliaryPages')
}

/** End offset of the CHUNK frame holding the handles, found by walking the frame headers (spec §2.2). */
function endOfHandlesChunk(bytes: Buffer): number {
  let at = 16
  while (at + 20 <= bytes.length) {
    const kind = bytes.readUInt16LE(at + 4)
    const end = at + 20 + bytes.readUInt32LE(at + 8)
    if (kind === 2 && bytes.subarray(at + 20, end).includes('handles')) return end
    at = end
  }
  throw new Error('no handles chunk')
}

let dir: string
let small: string
let deflated: string
let truncated: string
let damaged: string
let notArchive: string

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`)
  dir = await mkdtemp(join(tmpdir(), 'pssnap-cli-'))
  small = join(dir, 'small.pssnap')
  deflated = join(dir, 'deflated.pssnap')
  truncated = join(dir, 'truncated.pssnap')
  notArchive = join(dir, 'notes.txt')
  await writeArchiveFile(small, header, fill, epilogue)
  await writeArchiveFile(deflated, header, fill, epilogue, { compression: 'deflate' })
  // Cut 30 bytes into the frame after the handles chunk: the header and the handles survive, the rest does not.
  await writeArchiveFile(truncated, header, fill, epilogue)
  await truncate(truncated, endOfHandlesChunk(await readFile(truncated)) + 30)
  // One flipped byte inside the handles chunk: its checksum fails, the frames after it are still read.
  damaged = join(dir, 'damaged.pssnap')
  const intact = await readFile(small)
  const broken = Buffer.from(intact)
  broken[endOfHandlesChunk(intact) - 10]! ^= 0xff
  await writeFile(damaged, broken)
  await writeFile(notArchive, 'hello, this is text\n')
})

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const COMMANDS = ['info', 'handles', 'threads', 'regions', 'aux', 'query', 'validate', 'export', 'diff', 'trend', 'redact', 'sql', 'capture', 'watch', 'ps', 'selftest']

describe.concurrent('help and version', () => {
  // How fast --help and info start is a benchmark target (bench (f)), not a timed assertion here.
  it('--help lists every command with examples', async ({ expect }) => {
    const r = await run('--help')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    for (const c of COMMANDS) expect(r.stdout).toContain(`pssnap ${c}`)
    await expect(r.stdout).toMatchFileSnapshot('./__snapshots__/cli/help.txt')
  })

  it.for(COMMANDS)('%s --help has usage and an example', async (command, { expect }) => {
    const r = await run(command, '--help')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(new RegExp(`^pssnap ${command}`))
    expect(r.stdout).toContain('Examples:')
    await expect(r.stdout).toMatchFileSnapshot(`./__snapshots__/cli/${command}-help.txt`)
  })

  it('--version prints the package version', async ({ expect }) => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    const r = await run('--version')
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })
})

describe.concurrent('usage errors exit 2: the problem, a did-you-mean, the --help hint, at most three lines', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^pssnap: choose a command\n/],
    ['an unknown command', ['bogus', 'x'], /^pssnap: unknown command 'bogus'\n/],
    ['an unknown option', ['handles', 'x.pssnap', '--bogus'], /^pssnap handles: unknown option --bogus\n/],
    ['a missing archive', ['info'], /^pssnap info: missing argument: pssnap info <archive>\n/],
    ['conflicting output modes', ['handles', 'x.pssnap', '--json', '--csv'], /mutually exclusive/],
    ['a negative --limit', ['regions', 'x.pssnap', '--limit', '-1'], /--limit takes a whole number/],
    ['--limit that is not a number', ['regions', 'x.pssnap', '--limit', 'ten'], /--limit takes a whole number/],
    ['--sum without --group-by', ['regions', 'x.pssnap', '--sum', 'regionSize'], /--sum needs --group-by/],
    ['export without --format', ['export', 'x.pssnap'], /Missing required argument: format/],
    ['export with a bad --format', ['export', 'x.pssnap', '--format', 'xml'], /Invalid values/],
    ['csv export without --section', ['export', 'x.pssnap', '--format', 'csv'], /--format csv writes one section/],
    ['--where on an export of every section', ['export', 'x.pssnap', '--format', 'json', '--where', 'a = 1'], /--where applies to one section/],
    ['--where without a value', ['handles', 'x.pssnap', '--where'], /Not enough arguments following: where/],
  ]
  it.for(cases)('%s', async ([, args, message], { expect }) => {
    const r = await run(...args)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^pssnap[ :]/)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const lines = r.stderr.trimEnd().split('\n')
    expect(lines.length).toBeLessThanOrEqual(3)
    expect(lines.at(-1)).toMatch(/^Run 'pssnap( \w+)? --help' for /)
  })
})

describe.concurrent('failures exit 1 with CODE - message', () => {
  it('a file that is not an archive: NOT_PSSNAP, no stack trace', async ({ expect }) => {
    const r = await run('info', notArchive)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('NOT_PSSNAP - not a pssnap archive: this looks like a text file\n')
  })

  it('--verbose adds the stack trace', async ({ expect }) => {
    const r = await run('handles', notArchive, '--verbose')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^NOT_PSSNAP - not a pssnap archive/)
    expect(r.stderr).toMatch(/\n\s+at /)
  })

  it('a missing file', async ({ expect }) => {
    const missing = join(dir, 'missing.pssnap')
    const r = await run('threads', missing)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`ENOENT - cannot read '${missing}': no such file or directory\n`)
  })

  it('a directory', async ({ expect }) => {
    const r = await run('info', dir)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`EISDIR - '${dir}' is a directory, not an archive\n`)
  })

  it('a --where syntax error shows the column, before reading the archive', async ({ expect }) => {
    const r = await run('handles', join(dir, 'missing.pssnap'), '--where', 'handleCount >')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("BAD_QUERY - expected a value after '>' at column 14\n  handleCount >\n               ^\n")
  })

  it('an unknown name in --where shows the column and the known names', async ({ expect }) => {
    const r = await run('regions', small, '--where', 'state = COMIT')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("BAD_QUERY - expected a MEM_STATE name for 'state', found 'COMIT' at column 9; known: COMMIT, RESERVE, FREE\n  state = COMIT\n          ^\n")
  })

  it('unknown fields in --sort, --columns and --group-by', async ({ expect }) => {
    for (const args of [['--sort', 'bogus'], ['--columns', 'handle,bogus'], ['--group-by', 'bogus']]) {
      const r = await run('handles', small, ...args)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^UNKNOWN_FIELD - unknown field 'bogus' in handles; fields: handle, flags/)
    }
    const amb = await run('handles', small, '--sort', 'processId')
    expect(amb.stderr).toMatch(/^AMBIGUOUS_FIELD - 'processId' is ambiguous in handles; write one of typeSpecificInformation.process.processId/)
  })

  // On Linux and Windows both work: test/capture-linux.test.ts, test/capture-windows-cli.test.ts (the win32 path).
  it.skipIf(process.platform === 'linux' || process.platform === 'win32').for(['capture 4242', 'ps'])('%s explains why capture is unavailable', async (command, { expect }) => {
    const r = await run(...command.split(' '))
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^UNSUPPORTED_PLATFORM - capture needs Windows .* this is /)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})

describe.concurrent('info', () => {
  it('summarises target, capture, process, sections, timings and capture errors', async ({ expect }) => {
    const r = await run('info', small)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const out = r.stdout
    expect(out).toMatch(/^small\.pssnap: pssnap archive, format 1\.0, [\d.]+ KiB, complete\n/)
    expect(out).toContain('Target         pid 4242  C:\\Windows\\System32\\notepad.exe  (x64)')
    expect(out).toContain('Producer       pssnap 0.1.0')
    expect(out).toContain('Host           windows, x64, 10.0.22631, build 22631, DESKTOP-TEST')
    expect(out).toContain('Started        2026-11-25T12:00:00.000Z')
    expect(out).toContain('Preset         default')
    expect(out).toMatch(/Capture flags {2}VA_CLONE HANDLES HANDLE_NAME_INFORMATION/)
    expect(out).toContain('Context flags  CONTROL INTEGER FLOATING_POINT (0x10000b), x64 context records')
    expect(out).toContain('  parent pid         1234')
    expect(out).toContain('  created            2026-11-25T11:00:00.000Z')
    expect(out).toContain('  handles / threads  5 / 3')
    expect(out).toContain('  priority class     NORMAL, base priority 8')
    expect(out).toContain('  private usage      5 MiB')
    expect(out).toContain('  working set        20 MiB (peak 25 MiB)')
    expect(out).toContain('  virtual size       2 TiB (peak 2 TiB)')
    expect(out).toContain('  page faults        12,345')
    expect(out).toMatch(/ {2}regions \(vaSpace\) +5\n/)
    expect(out).toMatch(/ {2}aux \(auxiliaryPages\) +0\n/)
    expect(out).toContain('Integrity  every checksum verified, nothing missing')
    expect(out).toMatch(/Storage {4}\d+ frames, uncompressed/)
    expect(out).toContain('Timings    capture 12.5 ms, query 0.31 ms, walk 4.1 ms, write 2 ms')
    expect(out).toContain('  aux: PssWalkSnapshot failed with ERROR_NOT_FOUND (1168): no auxiliary pages were captured')
    expect(out).not.toContain('Recovery')
  })

  it('says when frames are compressed', async ({ expect }) => {
    const r = await run('info', deflated)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Storage {4}\d+ frames, deflate/)
  })

  it('--json is archiveInfoToJson (pssnap.info/1)', async ({ expect }) => {
    const r = await run('info', small, '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.schema).toBe('pssnap.info/1')
    expect(j.formatVersion).toBe('1.0')
    expect(j.complete).toBe(true)
    expect(j.target).toEqual({ processId: 4242, imagePath: 'C:\\Windows\\System32\\notepad.exe', architecture: 'x64' })
    expect(j.sections).toEqual({ handles: { entries: 5, expected: 5 }, threads: { entries: 3, expected: 3 }, vaSpace: { entries: 5, expected: 5 }, auxiliaryPages: { entries: 0, expected: 0 } })
    expect(j.queries.processInformation.createTime).toEqual({ iso: '2026-11-25T11:00:00.000Z', ticks: String(ft('2026-11-25T11:00:00Z')) })
    expect(j.queries.processInformation.privateUsage).toBe('5242880')
    expect(j.captureErrors).toHaveLength(1)
    expect(j.diagnostics).toEqual([])
  })

  it('a truncated archive: what was read, with a recovery note', async ({ expect }) => {
    const r = await run('info', truncated)
    expect(r.code).toBe(0)
    const out = r.stdout
    expect(out).toMatch(/^truncated\.pssnap: pssnap archive, format 1\.0, [\d.]+ KiB, incomplete \(no trailer\)\n/)
    expect(out).toMatch(/ {2}handles +5\n/)
    expect(out).toMatch(/ {2}regions \(vaSpace\) +0 of 5 expected\n/)
    expect(out).toMatch(/Diagnostics \(\d+\)\n {2}error TRUNCATED - archive ends/)
    expect(out).toMatch(/Recovery\n {2}recovered [\d,]+ of [\d,]+ bytes \([\d.]+%\) in \d+ intact frames\n {2}entries read: handles 5 of 5, threads \d of 3, regions 0 of 5\n/)
    expect(out).toContain("the trailer is missing: expected counts come from the header's query results")
  })
})

describe.concurrent('handles, threads, regions, aux', () => {
  it('handles: default table', async ({ expect }) => {
    const r = await run('handles', small)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    await expect(r.stdout).toMatchFileSnapshot('./__snapshots__/cli/handles.txt')
  })

  it('threads: table with registers from the contexts', async ({ expect }) => {
    const r = await run('threads', small)
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(/^threadId +priority +basePriority +suspendCount +win32StartAddress +Rip +Rsp +createTime +flags +threadName$/)
    await expect(r.stdout).toMatchFileSnapshot('./__snapshots__/cli/threads.txt')
  })

  it('regions: table', async ({ expect }) => {
    const r = await run('regions', small)
    expect(r.code).toBe(0)
    await expect(r.stdout).toMatchFileSnapshot('./__snapshots__/cli/regions.txt')
  })

  it('aux: an empty section shows its header', async ({ expect }) => {
    const r = await run('aux', small)
    expect(r).toEqual({ code: 0, stdout: 'address  pageSize  captureTime\n0 auxiliary pages\n', stderr: '' })
  })

  it('--where with names, ~ and in', async ({ expect }) => {
    const section = await run('handles', small, '--where', 'objectType = SECTION')
    expect(section.stdout).toMatch(/^handle +typeName.*\n0x8 +Section +\\Sessions.*\n1 of 5 handles match\n$/)
    const exec = await run('regions', small, '--where', 'state = MEM_COMMIT and protect ~ EXECUTE')
    expect(exec.stdout.split('\n').slice(1, -2)).toEqual(['0x7ff612341000     104 KiB  COMMIT  EXECUTE_READ  IMAGE  \\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe'])
    const kinds = await run('handles', small, '--where', 'objectType in (PROCESS, THREAD)', '--columns', 'handle,objectType')
    expect(kinds.stdout).toBe('handle  objectType\n0x1a8   PROCESS\n0x1b0   THREAD\n2 of 5 handles match\n')
    const rip = await run('threads', small, '--where', 'Rip = 0x7ffb1c2d3e4f', '--columns', 'threadId')
    expect(rip.stdout).toBe('threadId\n    5001\n1 of 3 threads match\n')
  })

  it('--sort and --limit', async ({ expect }) => {
    const r = await run('regions', small, '--sort', 'regionSize:desc,baseAddress', '--limit', '3', '--columns', 'baseAddress,regionSize')
    expect(r.stdout).toBe(
      ['baseAddress     regionSize', '0x000000000000       2 GiB', '0x7ff612341000     104 KiB', '0x003f1a4f0000      64 KiB', 'showing 3 of 5 regions', ''].join('\n'),
    )
    const limited = await run('handles', small, '--where', 'handleCount < 5', '--limit', '1', '--columns', 'handle')
    expect(limited.stdout).toBe('handle\n0x4\nshowing 1 of 4 matching handles (5 in the archive)\n')
    const none = await run('handles', small, '--limit', '0', '--columns', 'handle')
    expect(none.stdout).toBe('handle\nshowing 0 of 5 handles\n')
  })

  it('--columns all', async ({ expect }) => {
    const r = await run('threads', small, '--columns', 'all', '--limit', '1')
    expect(r.stdout.split('\n')[0]!.split(/\s+/)).toEqual(['processId', 'threadId', 'priority', 'basePriority', 'createTime', 'kernelTime', 'userTime', 'win32StartAddress', 'flags', 'suspendCount', 'sizeOfContextRecord', 'contextRecord', 'threadName', 'Rip', 'Rsp', 'Rbp', 'ContextFlags', 'SegCs', 'EFlags'])
    expect(r.stdout).toContain('<1232 bytes>')
  })

  it('--group-by with --sum', async ({ expect }) => {
    const r = await run('regions', small, '--group-by', 'type', '--sum', 'regionSize')
    expect(r.stdout).toBe(['type     count  sum(regionSize)', 'PRIVATE      2           68 KiB', 'IMAGE        2          108 KiB', '0            1            2 GiB', '3 groups, 5 regions', ''].join('\n'))
    const json = JSON.parse((await run('regions', small, '--group-by', 'state', '--sum', 'regionSize', '--json')).stdout)
    expect(json).toEqual({
      schema: 'pssnap.groups/1',
      section: 'vaSpace',
      captured: true,
      damage: expect.objectContaining({ complete: true }),
      groupBy: 'state',
      sum: 'regionSize',
      count: 2,
      groups: [
        { key: 0x1000, count: 4, sum: String(0x1000 + 0x10000 + 0x1000 + 0x1a000) },
        { key: 0x10000, count: 1, sum: String(0x7ffe0000) },
      ],
    })
    const csv = await run('handles', small, '--group-by', 'typeName', '--where', 'handleCount = 1', '--csv')
    expect(csv.stdout).toBe('typeName,count\r\nEvent,1\r\nFile,1\r\n')
    const nd = await run('threads', small, '--group-by', 'flags', '--ndjson')
    expect(nd.stdout).toBe('{"key":0,"count":2}\n{"key":1,"count":1}\n')
  })

  it('--json: pssnap.entries/1 with entryToJson objects', async ({ expect }) => {
    const r = await run('threads', small, '--json')
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.schema).toBe('pssnap.entries/1')
    expect(j.section).toBe('threads')
    expect(j.count).toBe(3)
    expect(j.entries[0]).toMatchObject({
      threadId: 5001,
      win32StartAddress: '0x7ff612345678',
      kernelTime: { seconds: 0.1, ticks: '1000000' },
      createTime: { iso: '2026-11-25T11:00:00.125Z' },
      contextRecord: { length: 1232 },
      threadName: 'main',
      registers: { Rip: '0x7ffb1c2d3e4f', Rsp: '0x3f1a4ffa28', ContextFlags: '0x10000b' },
      contextArchitecture: 'x64',
    })
    expect(j.entries[2].registers).toBeUndefined()
    const regions = JSON.parse((await run('regions', small, '--json', '--where', 'type = IMAGE')).stdout)
    expect(regions.section).toBe('vaSpace')
    expect(regions.entries.map((e: { baseAddress: string; regionSize: string }) => [e.baseAddress, e.regionSize])).toEqual([
      ['0x7ff612340000', '4096'],
      ['0x7ff612341000', '106496'],
    ])
    const empty = JSON.parse((await run('handles', small, '--json', '--where', 'objectType = SEMAPHORE')).stdout)
    expect(empty).toEqual({ schema: 'pssnap.entries/1', section: 'handles', captured: true, damage: expect.objectContaining({ complete: true }), count: 0, entries: [] })
  })

  it('--ndjson: one entry per line', async ({ expect }) => {
    const r = await run('handles', small, '--ndjson')
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(5)
    const first = JSON.parse(lines[0]!)
    expect(first).toMatchObject({ handle: '0x4', objectType: 4, typeName: 'Event', typeSpecificInformation: { event: { manualReset: 1, signaled: 0 } } })
    expect(JSON.parse(lines[2]!).typeSpecificInformation.process.processId).toBe(1234)
  })

  it('--csv: header row and RFC 4180 quoting', async ({ expect }) => {
    const r = await run('handles', small, '--csv')
    expect(r.code).toBe(0)
    const rows = r.stdout.split('\r\n')
    expect(rows[0]).toBe('handle,typeName,objectName,grantedAccess,handleCount,pointerCount')
    expect(rows[1]).toBe('0x0000000000000004,Event,\\BaseNamedObjects\\Ready,0x1f0003,1,32769')
    expect(rows[2]).toBe('0x0000000000000008,Section,"\\Sessions\\1\\BaseNamedObjects\\Shared, ""quoted""",0xf001f,3,5')
    expect(rows[3]).toBe('0x00000000000001a8,Process,,0x1fffff,7,200')
    expect(rows).toHaveLength(7)
    const regions = await run('regions', small, '--csv', '--columns', 'baseAddress,regionSize,state,protect')
    expect(regions.stdout.split('\r\n').slice(0, 4)).toEqual(['baseAddress,regionSize,state,protect', '0x0000000000000000,2147352576,FREE,NOACCESS', '0x000000007ffe0000,4096,COMMIT,READONLY', '0x0000003f1a4f0000,65536,COMMIT,READWRITE|GUARD'])
  })

  it('reads compressed archives the same way', async ({ expect }) => {
    const [a, b] = await Promise.all([run('threads', small, '--json'), run('threads', deflated, '--json')])
    expect(b.stdout).toBe(a.stdout)
  })

  it('lists what survived in a truncated archive', async ({ expect }) => {
    const r = await run('handles', truncated, '--columns', 'handle')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('handle\n0x004\n0x008\n0x1a8\n0x1ac\n0x1b0\n5 handles\n')
  })
})

describe.concurrent('validate', () => {
  it('an intact archive: exit 0', async ({ expect }) => {
    const r = await run('validate', small)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^small\.pssnap: OK, format 1\.0\n {2}frames checked {3}\d+, trailer present\n {2}recoverable {6}handles 5, threads 3, regions 5, aux 0\n {2}recovered bytes {2}([\d,]+) of \1 \(100%\)\n {2}diagnostics {6}none\n$/)
  })

  it('a truncated archive: every diagnostic, exit 1', async ({ expect }) => {
    const r = await run('validate', truncated)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^error TRUNCATED - archive ends .*\(offset \d+, frame \d+\)\n/)
    expect(r.stdout).toMatch(/truncated\.pssnap: DAMAGED, format 1\.0\n/)
    expect(r.stdout).toMatch(/frames checked {3}\d+, no trailer\n/)
    expect(r.stdout).toMatch(/recoverable {6}handles 5/)
    expect(r.stdout).toMatch(/recovered bytes {2}[\d,]+ of [\d,]+ \([\d.]+%\)\n/)
  })

  it('a damaged frame mid-file: the rest is recovered, and info agrees on the bytes', async ({ expect }) => {
    const [v, i] = await Promise.all([run('validate', damaged), run('info', damaged)])
    expect(v.code).toBe(1)
    expect(v.stdout).toMatch(/^error CHECKSUM - frame \d+ \(chunk\) at offset \d+: checksum 0x[0-9a-f]+ differs from the stored 0x[0-9a-f]+ \(offset \d+, frame \d+\)\n/)
    expect(v.stdout).toMatch(/frames checked {3}\d+ \(1 bad\), trailer present\n/)
    expect(v.stdout).toContain('recoverable      handles 0, threads 3, regions 5, aux 0\n')
    const bytes = /recovered bytes {2}([\d,]+) of ([\d,]+)/.exec(v.stdout)!
    expect(bytes[1]).not.toBe(bytes[2])
    expect(i.code).toBe(0)
    expect(i.stdout).toContain(`recovered ${bytes[1]} of ${bytes[2]} bytes`)
    expect(i.stdout).toContain('entries read: handles 0 of 5, threads 3 of 3, regions 5 of 5, aux 0 of 0')
  })

  it('a file that is not an archive: exit 1', async ({ expect }) => {
    const r = await run('validate', notArchive)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^error NOT_PSSNAP - not a pssnap archive: this looks like a text file/)
    expect(r.stdout).toContain('notes.txt: NOT READABLE')
    expect(r.stdout).toContain('recovered bytes  0 of 20 (0%)')
  })

  it('--json: pssnap.validate/1', async ({ expect }) => {
    const ok = await run('validate', small, '--json')
    expect(ok.code).toBe(0)
    const j = JSON.parse(ok.stdout)
    expect(j).toMatchObject({ schema: 'pssnap.validate/1', ok: true, formatVersion: '1.0', complete: true, entries: { handles: 5, threads: 3, vaSpace: 5, auxiliaryPages: 0 }, diagnostics: [] })
    expect(j.recoveredBytes).toBe(j.byteLength)
    expect(j.frames[0]).toMatchObject({ index: 0, offset: 16, kind: 1, ok: true })
    const bad = await run('validate', truncated, '--json')
    expect(bad.code).toBe(1)
    const b = JSON.parse(bad.stdout)
    expect(b.ok).toBe(false)
    expect(b.complete).toBe(false)
    expect(b.diagnostics.map((d: { code: string }) => d.code)).toContain('TRUNCATED')
    expect(b.recoveredBytes).toBeLessThan(b.byteLength)
  })
})

describe.concurrent('export', () => {
  it('json to a file, through a temporary file', async ({ expect }) => {
    const out = join(dir, 'export.json')
    const r = await run('export', small, '--format', 'json', '-o', out)
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' })
    const j = JSON.parse(await readFile(out, 'utf8'))
    expect(j.schema).toBe('pssnap.export/1')
    expect(j.info.schema).toBe('pssnap.info/1')
    expect(Object.keys(j.sections)).toEqual(['handles', 'threads', 'vaSpace', 'auxiliaryPages'])
    expect(j.sections.handles).toHaveLength(5)
    expect(j.sections.threads[0].contextRecord).toEqual({ length: 1232 })
    expect(j.sections.auxiliaryPages).toEqual([])
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('json of chosen sections to stdout, with blobs', async ({ expect }) => {
    const r = await run('export', small, '--format', 'json', '--section', 'threads,regions', '--include-blobs')
    const j = JSON.parse(r.stdout)
    expect(Object.keys(j.sections)).toEqual(['threads', 'vaSpace'])
    expect(j.sections.threads[0].contextRecord.length).toBe(1232)
    expect(Buffer.from(j.sections.threads[0].contextRecord.base64, 'base64')).toHaveLength(1232)
  })

  it('ndjson: one line per entry with its section', async ({ expect }) => {
    const r = await run('export', small, '--format', 'ndjson')
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { section: string })
    expect(lines).toHaveLength(13)
    expect(lines.map((l) => l.section)).toEqual([...Array(5).fill('handles'), ...Array(3).fill('threads'), ...Array(5).fill('vaSpace')])
    expect(Object.keys(lines[0]!)[0]).toBe('section')
  })

  it('csv of one section, filtered, every column by default', async ({ expect }) => {
    const r = await run('export', small, '--format', 'csv', '--section', 'regions', '--where', 'type = IMAGE')
    const rows = r.stdout.split('\r\n')
    expect(rows[0]).toBe('baseAddress,allocationBase,regionSize,state,protect,type,timeDateStamp,sizeOfImage,imageBase,checkSum,mappedFileName'.split(',').filter((c) => rows[0]!.split(',').includes(c)).join(','))
    expect(rows[0]!.startsWith('baseAddress,allocationBase')).toBe(true)
    expect(rows).toHaveLength(4)
    const chosen = await run('export', small, '--format', 'csv', '--section', 'threads', '--columns', 'threadId,Rip', '-o', join(dir, 'threads.csv'))
    expect(chosen.code).toBe(0)
    expect(await readFile(join(dir, 'threads.csv'), 'utf8')).toBe('threadId,Rip\r\n5001,0x00007ffb1c2d3e4f\r\n5002,0x00007ffb1c2d0000\r\n5003,\r\n')
  })

  it('a file that cannot be written: named, and no temporary file left', async ({ expect }) => {
    const out = join(dir, 'no-such-dir', 'x.json')
    const r = await run('export', small, '--format', 'json', '-o', out)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`ENOENT - cannot write '${out}': no such file or directory\n`)
  })

  it('an unknown section', async ({ expect }) => {
    const r = await run('export', small, '--format', 'ndjson', '--section', 'modules')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("BAD_SECTION - unknown section 'modules': use handles, threads, regions or aux\n")
  })

  it('does not replace an existing file when the export fails', async ({ expect }) => {
    const out = join(dir, 'keep.json')
    await writeFile(out, 'old')
    const r = await run('export', notArchive, '--format', 'json', '-o', out)
    expect(r.code).toBe(1)
    expect(await readFile(out, 'utf8')).toBe('old')
    expect((await stat(out)).size).toBe(3)
  })
})
