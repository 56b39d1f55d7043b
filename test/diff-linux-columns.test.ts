// diff's entry lists of Linux archives in Linux terms (issue 11 item 2): fds in decimal, no columns that only
// PSS fills (grantedAccess, handleCount, pointerCount stay empty on Linux), protection as perms.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openArchiveFile, writeArchiveFile } from '../reader/node.js'
import { runCli } from './helpers/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'pssnap-diff-linux-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('diff of two Linux archives', () => {
  it('lists added fds and regions without PSS-only columns', async () => {
    const golden = await openArchiveFile('spec/fixtures/linux-small.pssnap')
    const before = join(dir, 'before.pssnap')
    const after = join(dir, 'after.pssnap')
    const write = (path: string, drop: boolean) =>
      writeArchiveFile(path, golden.header, (w) => {
        for (const section of ['handles', 'threads', 'vaSpace'] as const) {
          w.declareSection(section)
          const entries = [...golden[section]]
          for (const e of drop ? entries.slice(1) : entries) w.add(section, e as never)
        }
      }, undefined, { formatMinor: golden.version.minor })
    await write(before, true)
    await write(after, false)
    const r = await runCli('diff', before, after, '--details')
    expect(r.code, r.stderr).toBe(0)
    const added = r.stdout.split('\n\n').find((block) => block.startsWith('Added handles'))!
    const header = added.split('\n')[1]!
    expect(header).toMatch(/^\s*fd\s+typeName\s+objectName/)
    expect(header).not.toMatch(/grantedAccess|handleCount|pointerCount/)
    expect(added.split('\n')[2]).toMatch(/^\s*\d+\s/) // decimal, not 0x…
    const regions = r.stdout.split('\n\n').find((block) => block.startsWith('Added regions'))!
    expect(regions.split('\n')[1]).toMatch(/perms/)
  })
})
