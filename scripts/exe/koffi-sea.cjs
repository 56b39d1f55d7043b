// `koffi` inside a one-file executable (scripts/build-exe.mjs): a native addon cannot be required from the
// executable, so its .node file is embedded as the asset `koffi.node`, written once to a cache file named by
// its content's hash and loaded with process.dlopen. A new temporary file each run would not do: on Windows a
// loaded .node cannot be deleted. The cache folder is the user's own (%LOCALAPPDATA% on Windows, else
// $XDG_CACHE_HOME or ~/.cache), and a file found there is used only when its bytes hash to its name.
'use strict'
const { createHash } = require('node:crypto')
const { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } = require('node:fs')
const { homedir } = require('node:os')
const { join } = require('node:path')
const sea = require('node:sea')

function cacheDir() {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'pssnap', 'cache')
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pssnap')
}

function load() {
  const bytes = Buffer.from(sea.getRawAsset('koffi.node'))
  const hash = createHash('sha256').update(bytes).digest('hex')
  const dir = cacheDir()
  const file = join(dir, `koffi-${hash.slice(0, 32)}.node`)
  let ok = false
  try {
    ok = createHash('sha256').update(readFileSync(file)).digest('hex') === hash
  } catch {
    // not there yet
  }
  if (!ok) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const temp = `${file}.${process.pid}.tmp`
    const fd = openSync(temp, 'w', 0o600)
    try {
      writeSync(fd, bytes)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    // Another run may have put the same bytes there meanwhile (or holds it loaded on Windows): theirs is as good.
    try {
      renameSync(temp, file)
    } catch (error) {
      try {
        require('node:fs').unlinkSync(temp)
      } catch {}
      if (createHash('sha256').update(readFileSync(file)).digest('hex') !== hash) throw error
    }
  }
  const m = { exports: {} }
  process.dlopen(m, file)
  return m.exports
}

const native = load()
module.exports = native
