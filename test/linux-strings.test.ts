// Linux names are bytes; archives hold UTF-8. The lossless rule of spec/ARCHIVE.md §1.1 (valid UTF-8 as is,
// any other byte as U+F700 + byte) by itself, then end to end on a real child process: thread names and a
// comm set as UTF-8 (one with a C1 control, one the kernel cuts inside a character, one with a raw byte),
// and files whose names differ only in bytes that are not UTF-8, through capture, diff, the CLI's tables and
// redaction. Before the rule, thread names were read as Latin-1 (`wÃ¶rker-Ã©`) and both `\xff\xfe.log` and
// `\xfe\xff.log` became `\ufffd\ufffd.log`: one name for two files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesFromText, textFromBytes } from '../capture/linux/byte-text.js'
import { captureLinuxToFile } from '../capture/linux/index.js'
import { listProcesses } from '../capture/linux/ps.js'
import { diffArchives } from '../reader/diff.js'
import { safeText } from '../reader/display.js'
import { openArchiveFile } from '../reader/node.js'
import { runCli } from './helpers/cli.js'

/** No lone surrogate: UTF-8 encoding and decoding give the same text back. */
const isWellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s
const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex')
const bytes = (...parts: (string | Buffer)[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)))

describe('the byte rule (ARCHIVE.md §1.1)', () => {
  it('gives the examples of the spec', () => {
    expect(textFromBytes(bytes('/tmp/été.log'))).toBe('/tmp/été.log')
    expect(textFromBytes(bytes('/tmp/', hex('fffe'), '.log'))).toBe('/tmp/\uf7ff\uf7fe.log')
    expect(textFromBytes(bytes('/tmp/', hex('feff'), '.log'))).toBe('/tmp/\uf7fe\uf7ff.log')
    expect(textFromBytes(bytes('caf', hex('e9')))).toBe('caf\uf7e9')
    expect(textFromBytes(bytes('wörker-éééé').subarray(0, 15))).toBe('wörker-ééé\uf7c3')
    expect(textFromBytes(hex('ef9ea0'))).toBe('\uf7ef\uf79e\uf7a0') // a real U+F7A0 is escaped byte by byte
  })

  it('escapes every byte of an ill-formed sequence: overlong, surrogate, above U+10FFFF, truncated', () => {
    expect(textFromBytes(hex('c0af'))).toBe('\uf7c0\uf7af') // overlong '/'
    expect(textFromBytes(hex('eda080'))).toBe('\uf7ed\uf7a0\uf780') // CESU-8 surrogate
    expect(textFromBytes(hex('f4908080'))).toBe('\uf7f4\uf790\uf780\uf780') // U+110000
    expect(textFromBytes(hex('e282'))).toBe('\uf7e2\uf782') // a 3-byte character cut after 2
    expect(textFromBytes(bytes(hex('e2'), 'x'))).toBe('\uf7e2x') // the next ASCII byte is never swallowed
    expect(textFromBytes(hex('f09f9880'))).toBe('😀')
  })

  it('round-trips any bytes, and two different byte strings never give one text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        const ta = textFromBytes(a)
        expect(Buffer.from(bytesFromText(ta))).toEqual(Buffer.from(a))
        expect(isWellFormed(ta)).toBe(true) // always storable as a MessagePack str
        if (!Buffer.from(a).equals(Buffer.from(b))) expect(textFromBytes(b)).not.toBe(ta)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps every valid UTF-8 text outside U+F780–U+F7FF exactly as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        fc.pre(isWellFormed(s) && !/[\uf780-\uf7ff]/.test(s))
        expect(textFromBytes(Buffer.from(s, 'utf8'))).toBe(s)
      }),
      { numRuns: 2000 },
    )
  })

  it('is linear: a megabyte of invalid bytes is a megabyte of escapes', () => {
    const text = textFromBytes(Buffer.alloc(1 << 20, 0xff))
    expect(text.length).toBe(1 << 20)
    expect(text[0]).toBe('\uf7ff')
  })

  it('is shown by safeText as visible escapes naming the byte', () => {
    expect(safeText('/tmp/\uf7ff\uf7fe.log')).toBe('/tmp/\\uf7ff\\uf7fe.log')
    expect(safeText('/tmp/\uf7fe\uf7ff.log')).not.toBe(safeText('/tmp/\uf7ff\uf7fe.log'))
  })
})

// The child: names its worker threads and its main thread (comm) from hex byte strings, then opens and
// closes files named by hex byte strings on request, answering `done` after each.
const CHILD = `
import { closeSync, openSync, writeFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { createInterface } from 'node:readline'
const [dir, comm, ...threadNames] = process.argv.slice(2)
writeFileSync('/proc/self/comm', Buffer.from(comm, 'hex'))
const named = (hex) => new Promise((resolve, reject) => {
  const w = new Worker("const { parentPort, workerData } = require('node:worker_threads'); require('node:fs').writeFileSync('/proc/thread-self/comm', Buffer.from(workerData, 'hex')); parentPort.postMessage('named'); setInterval(() => {}, 1000)", { eval: true, workerData: hex })
  w.once('message', resolve)
  w.once('error', reject)
})
await Promise.all(threadNames.map(named))
const open = new Map()
createInterface({ input: process.stdin }).on('line', (line) => {
  const [verb, hex] = line.split(' ')
  const path = Buffer.concat([Buffer.from(dir + '/'), Buffer.from(hex, 'hex')])
  if (verb === 'open') {
    writeFileSync(path, '')
    open.set(hex, openSync(path, 'r'))
  } else {
    closeSync(open.get(hex))
    open.delete(hex)
  }
  process.stdout.write('done\\n')
})
process.stdout.write('ready\\n')
`

const THREAD_NAMES = {
  utf8: bytes('wörker-é'),
  c1: bytes('c1-\u0085-x'), // the UTF-8 bytes of a C1 control: must not come out as a raw C1
  cut: bytes('wörker-éééé'), // 16 bytes: the kernel keeps 15, cutting the last é after its first byte
  raw: bytes('raw-', hex('ff')),
}
const COMM = bytes('prozeß-ü')
const FILES = { ab: bytes(hex('fffe'), '.log'), ba: bytes(hex('feff'), '.log'), latin1: bytes('caf', hex('e9'), '.txt'), utf8: bytes('été.txt') }

const dir = mkdtempSync(join(tmpdir(), 'pssnap-strings-'))
let child: ChildProcess

function send(line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const onData = (b: Buffer) => {
      seen += String(b)
      if (seen.includes('done\n')) {
        child.stdout!.off('data', onData)
        resolve()
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`child exited (${code})`)))
    child.stdin!.write(`${line}\n`)
  })
}

beforeAll(async () => {
  writeFileSync(join(dir, 'child.mjs'), CHILD)
  const args = [join(dir, 'child.mjs'), dir, COMM.toString('hex'), ...Object.values(THREAD_NAMES).map((b) => b.toString('hex'))]
  child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', (b: Buffer) => (String(b).includes('ready') ? resolve() : reject(new Error(String(b)))))
    child.once('exit', (code) => reject(new Error(`child exited (${code})`)))
  })
})
afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const pathText = (name: Buffer) => textFromBytes(bytes(`${dir}/`, name))

describe('a real capture of UTF-8 thread names and non-UTF-8 file names', () => {
  const archives: string[] = []

  it('stores thread names and comm as UTF-8, a cut character and a raw byte kept by the rule', async () => {
    for (const name of ['ab', 'latin1', 'utf8'] as const) await send(`open ${FILES[name].toString('hex')}`)
    archives.push(join(dir, 'first.pssnap'))
    await captureLinuxToFile(child.pid!, archives[0]!)
    const a = await openArchiveFile(archives[0]!, { strict: true })
    const threadNames = a.threads.toArray().map((t) => t.threadName)
    expect(threadNames).toEqual(expect.arrayContaining(['wörker-é', 'c1-\u0085-x', 'wörker-ééé\uf7c3', 'raw-\uf7ff', 'prozeß-ü']))
    expect(threadNames.join('')).not.toMatch(/Ã|\ufffd/)
    // ps reads the same comm.
    expect(listProcesses().find((p) => p.processId === child.pid)?.name).toBe('prozeß-ü')
    // Every name gives back the bytes the kernel holds.
    const cut = a.threads.toArray().find((t) => t.threadName?.startsWith('wörker-ééé'))!
    expect(Buffer.from(bytesFromText(cut.threadName!))).toEqual(THREAD_NAMES.cut.subarray(0, 15))
  })

  it('keeps file names apart and recoverable; diff sees one file closed and another opened', async () => {
    const a = await openArchiveFile(archives[0]!, { strict: true })
    const names = a.handles.toArray().map((h) => h.objectName!)
    for (const name of ['ab', 'latin1', 'utf8'] as const) expect(names).toContain(pathText(FILES[name]))
    expect(names).toContain(`${dir}/été.txt`)
    for (const name of names.filter((n) => n.startsWith(dir))) expect(Buffer.from(bytesFromText(name)).toString('latin1').startsWith(dir)).toBe(true)
    expect(names.some((n) => n.includes('\ufffd'))).toBe(false)

    await send(`close ${FILES.ab.toString('hex')}`)
    await send(`open ${FILES.ba.toString('hex')}`)
    archives.push(join(dir, 'second.pssnap'))
    await captureLinuxToFile(child.pid!, archives[1]!)
    const b = await openArchiveFile(archives[1]!, { strict: true })
    const d = diffArchives(a, b)
    // Under U+FFFD both were `…/\ufffd\ufffd.log`: no change at all.
    expect(d.handles.removed.map((h) => h.objectName)).toEqual([pathText(FILES.ab)])
    expect(d.handles.added.map((h) => h.objectName)).toEqual([pathText(FILES.ba)])
  })

  it('shows them in the CLI as visible escapes, never raw', async () => {
    const handles = await runCli('handles', archives[1]!)
    expect(handles.code).toBe(0)
    expect(handles.stdout).toContain('\\uf7fe\\uf7ff.log')
    expect(handles.stdout).toContain('caf\\uf7e9.txt')
    const threads = await runCli('threads', archives[1]!)
    expect(threads.code).toBe(0)
    expect(threads.stdout).toContain('wörker-é')
    expect(threads.stdout).toContain('c1-\\x85-x')
    expect(threads.stdout).toContain('wörker-ééé\\uf7c3')
    expect(`${handles.stdout}${threads.stdout}`).not.toMatch(/[\u0080-\u009f\uf780-\uf7ff]/)
  })

  it('redaction gives the two names two pseudonyms', async () => {
    await send(`open ${FILES.ab.toString('hex')}`) // now both are open
    const input = join(dir, 'both.pssnap')
    await captureLinuxToFile(child.pid!, input)
    const original = await openArchiveFile(input, { strict: true })
    const fdOf = (name: Buffer) => original.handles.toArray().find((h) => h.objectName === pathText(name))!.handle!
    const [ab, ba] = [fdOf(FILES.ab), fdOf(FILES.ba)]

    const output = join(dir, 'both-redacted.pssnap')
    const map = join(dir, 'both-map.json')
    const run = await runCli('redact', input, '-o', output, '--key', 'k', '--map', map)
    expect(run.code, run.stderr).toBe(0)
    const redacted = await openArchiveFile(output, { strict: true })
    const nameOf = (handle: bigint) => redacted.handles.toArray().find((h) => h.handle === handle)!.objectName!
    expect(nameOf(ab)).not.toBe(pathText(FILES.ab))
    expect(nameOf(ab)).toMatch(/\.log$/)
    expect(nameOf(ab)).not.toBe(nameOf(ba))
    // The map gives each original back, escapes included.
    const doc = readFileSync(map, 'utf8')
    expect(doc).toContain(JSON.stringify('\uf7ff\uf7fe.log').slice(1, -1))
    expect(doc).toContain(JSON.stringify('\uf7fe\uf7ff.log').slice(1, -1))
  })
})

// Mapped files named by non-UTF-8 bytes (Python maps them: node cannot): two names that differ only in such
// bytes are two mappedFileName values, each giving its bytes back; the executable one that starts with the
// ELF magic is found to be an image, its header read by the bytes of its name (or through map_files/).
const MAPPER = `
import mmap, os, sys
d = os.fsencode(sys.argv[1])
keep = []
for name, head, prot in ((b'\\xff\\xfe.so', b'\\x7fELF', mmap.PROT_READ | mmap.PROT_EXEC), (b'\\xfe\\xff.dat', b'data', mmap.PROT_READ)):
    path = d + b'/' + name
    with open(path, 'wb') as f: f.write(head + bytes(4092))
    fd = os.open(path, os.O_RDONLY)
    keep.append(mmap.mmap(fd, 4096, prot=prot))
print('ready', flush=True)
sys.stdin.read()
`
const python = spawnSync('python3', ['-c', 'print(1)']).status === 0

describe.skipIf(!python)('mapped files named by bytes that are not UTF-8', () => {
  it('are two mappedFileName values, each recoverable, the ELF one an image', async () => {
    const mapper = spawn('python3', ['-c', MAPPER, dir], { stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      await new Promise((resolve, reject) => {
        mapper.stdout!.once('data', resolve)
        mapper.once('exit', (code) => reject(new Error(`python exited (${code})`)))
      })
      const out = join(dir, 'mapped.pssnap')
      await captureLinuxToFile(mapper.pid!, out, { preset: 'regions' })
      const archive = await openArchiveFile(out, { strict: true })
      const regions = archive.vaSpace.toArray()
      const image = regions.find((r) => r.mappedFileName === pathText(bytes(hex('fffe'), '.so')))
      const data = regions.find((r) => r.mappedFileName === pathText(bytes(hex('feff'), '.dat')))
      expect(image?.type).toBe(0x1000000) // MEM_IMAGE: executable and \x7fELF
      expect(data?.type).toBe(0x40000) // MEM_MAPPED
      expect(Buffer.from(bytesFromText(image!.mappedFileName!))).toEqual(bytes(`${dir}/`, hex('fffe'), '.so'))
    } finally {
      mapper.kill('SIGKILL')
    }
  })
})
