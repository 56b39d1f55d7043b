// Native files inside a one-file executable (scripts/build-exe.mjs): a .node addon cannot be loaded from the
// executable itself, so its files are embedded as assets and written once to a folder of the user's cache
// named by their content's hash (%LOCALAPPDATA%\pssnap\cache on Windows, else $XDG_CACHE_HOME or ~/.cache),
// where later runs find them. A new temporary copy each run would not do: on Windows a loaded .node cannot be
// deleted. A file found there is used only when its bytes hash to what the asset holds.
'use strict'
const { createHash } = require('node:crypto')
const { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } = require('node:fs')
const { homedir } = require('node:os')
const { join } = require('node:path')
const sea = require('node:sea')

function cacheDir() {
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'pssnap', 'cache')
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pssnap')
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')

function sameBytes(file, hash) {
  try {
    return sha256(readFileSync(file)) === hash
  } catch {
    return false // not there yet
  }
}

function writeOnce(file, bytes, hash) {
  if (sameBytes(file, hash)) return
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
      unlinkSync(temp)
    } catch {}
    if (!sameBytes(file, hash)) throw error
  }
}

/**
 * The assets `names` written side by side into one cache folder, `<prefix>-<hash of them all>`; returns its path.
 * Files that load each other by their folder (a .node with an $ORIGIN runpath) find each other there.
 */
function cachedAssets(prefix, names) {
  const assets = names.map((name) => {
    const bytes = Buffer.from(sea.getRawAsset(name))
    return { name, bytes, hash: sha256(bytes) }
  })
  const all = sha256(assets.map((a) => `${a.name}:${a.hash}`).join('\n'))
  const dir = join(cacheDir(), `${prefix}-${all.slice(0, 32)}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  for (const a of assets) writeOnce(join(dir, a.name), a.bytes, a.hash)
  return dir
}

module.exports = { cachedAssets, cacheDir }
