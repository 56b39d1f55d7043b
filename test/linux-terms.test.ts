// A Linux archive shown in Linux terms (issue 11 item 2, display side), through the built CLI, on the golden
// Linux fixture and, for contrast, a Windows one: fds in decimal, RSS/PSS/swap columns, open flags by name,
// no empty Windows-only columns, no Windows capture-flag names or "pagefile usage" in info.
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { runCli } from './helpers/cli.js'

const linux = join('spec', 'fixtures', 'linux-small.pssnap')
const windows = join('spec', 'fixtures', 'small.pssnap')

describe.concurrent('Linux archives in Linux terms', () => {
  it('info: what /proc gave, in its words', async ({ expect }) => {
    const r = await runCli('info', linux)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Captured  fds (fd/, fdinfo), threads (task/), memory maps with RSS/PSS/swap (smaps)\n')
    expect(r.stdout).toMatch(/\n {2}fds \/ threads +9 \/ 4\n/)
    expect(r.stdout).toMatch(/\n {2}private \(VmData\) +64 MiB\n/)
    expect(r.stdout).toMatch(/\n {2}swap \(VmSwap\) +2 MiB\n/)
    expect(r.stdout).toMatch(/\n {2}nice +0\n/)
    expect(r.stdout).toMatch(/\n {2}handles \(fds\) +9\n/)
    for (const windowsWord of ['VA_SPACE_SECTION_INFORMATION', 'HANDLE_NAME_INFORMATION', 'Capture flags', 'Context flags', 'pagefile usage', 'working set', 'base priority']) expect(r.stdout).not.toContain(windowsWord)
  })

  it('info of a Windows archive keeps the PSS terms', async ({ expect }) => {
    const r = await runCli('info', windows)
    expect(r.stdout).toContain('Capture flags')
    expect(r.stdout).toContain('pagefile usage')
    expect(r.stdout).not.toContain('(VmData)')
  })

  it('handles: fd numbers in decimal, open flags by name, no empty Windows-only columns', async ({ expect }) => {
    const r = await runCli('handles', linux)
    expect(r.code).toBe(0)
    const [header, ...rows] = r.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^fd {2}typeName +objectName +openFlags +filePosition$/)
    expect(rows[3]).toMatch(/^ 3 {2}File +\/var\/log\/svc\/übersicht-2026-11-25\.log +WRONLY\|APPEND\|LARGEFILE\|CLOEXEC +1048576$/)
    expect(rows.at(-1)).toBe('9 fds')
    expect(r.stdout).not.toMatch(/0x[0-9a-f]/)
    for (const column of ['grantedAccess', 'handleCount', 'pointerCount']) expect(header).not.toContain(column)
    // --where and --columns take the fd by the field's name or as `fd`.
    const one = await runCli('handles', linux, '--where', 'handle = 3', '--columns', 'fd,objectName')
    expect(one.stdout).toBe('fd  objectName\n 3  /var/log/svc/übersicht-2026-11-25.log\n1 of 9 fds match\n')
    // CSV keeps field paths and hex addresses (spec/JSON.md, CSV); JSON the stored value.
    const csv = await runCli('handles', linux, '--csv', '--columns', 'fd')
    expect(csv.stdout.split('\r\n').slice(0, 3)).toEqual(['handle', '0x0000000000000000', '0x0000000000000001'])
  })

  it('a Windows archive keeps hex handles', async ({ expect }) => {
    const r = await runCli('handles', windows, '--limit', '1')
    expect(r.stdout).toMatch(/^handle /)
    expect(r.stdout.split('\n')[1]).toMatch(/^0x[0-9a-f]+ /)
  })

  it('regions: RSS, PSS and swap where captured; threads: no empty Windows-only columns', async ({ expect }) => {
    const regions = await runCli('regions', linux)
    expect(regions.stdout.split('\n')[0]).toMatch(/^baseAddress +regionSize +state +perms +type +residentSize +proportionalSize +swappedSize +mappedFileName$/)
    const threads = await runCli('threads', linux)
    const header = threads.stdout.split('\n')[0]!
    expect(header).toMatch(/schedulerState/)
    for (const column of ['suspendCount', 'win32StartAddress', 'Rip', 'flags']) expect(header).not.toContain(column)
  })

  it('regions: protection as maps prints it, p or s where the archive tells and ? where it cannot; CSV and --where keep PAGE_* names', async ({ expect }) => {
    const table = await runCli('regions', linux, '--columns', 'baseAddress,perms,type,mappedFileName')
    expect(table.code, table.stderr).toBe(0)
    const perms = (address: string) => new RegExp(`^${address} +(\\S+) `, 'm').exec(table.stdout)?.[1]
    expect(perms('0x55d04a200000')).toBe('r--p') // READONLY of an ELF image: loaders map images private
    expect(perms('0x55d04a218000')).toBe('r-xp')
    expect(perms('0x55d04a2b4000')).toBe('rw-p') // WRITECOPY: private writable file
    expect(perms('0x55d04c000000')).toBe('rw-p') // READWRITE anonymous
    expect(perms('0x7f3a10000000')).toBe('r--?') // read-only data file: private or shared, the archive cannot tell
    expect(perms('0x7f3a20200000')).toBe('---p') // anonymous without access
    for (const name of ['READONLY', 'EXECUTE_READ', 'WRITECOPY', 'READWRITE', 'NOACCESS']) expect(table.stdout).not.toContain(name)
    const csv = await runCli('regions', linux, '--csv', '--columns', 'baseAddress,protect')
    expect(csv.stdout).toContain('0x000055d04a218000,EXECUTE_READ\r\n')
    const where = await runCli('regions', linux, '--where', 'protect = EXECUTE_READ', '--columns', 'baseAddress,perms')
    expect(where.stdout.match(/ r-xp\n/g)).toHaveLength(2)
  })

  it('regions of a Windows archive keep PAGE_* names', async ({ expect }) => {
    const r = await runCli('regions', windows, '--limit', '5')
    expect(r.stdout.split('\n')[0]).toMatch(/ protect /)
    expect(r.stdout).toMatch(/READ|NOACCESS/)
  })
})
