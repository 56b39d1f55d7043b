// How each golden fixture of spec/fixtures/ is made. Kept as data so the writer test and the README say
// the same thing; a released fixture is never regenerated (spec/STABILITY.md), so changing an entry here
// only matters for a fixture that does not exist yet.
import type { WriterOptions } from '../../format/index.js'
import { minimalArchive } from '../helpers/build-archive.js'
import { generateSnapshot, snapshotBytes, type SnapshotOptions } from './generate.js'
import { linuxSnapshot } from './linux.js'
import { linuxLsofSnapshot } from './linux-lsof.js'
import { linuxMapsSnapshot } from './linux-maps.js'

export interface FixtureRecipe {
  name: string
  description: string
  make: (hooks: WriterOptions['hooks']) => Promise<Uint8Array>
}

const synthetic = (snapshot: SnapshotOptions, writer: WriterOptions) => (hooks: WriterOptions['hooks']) =>
  snapshotBytes(generateSnapshot(snapshot), { ...writer, ...(hooks ? { hooks } : {}) })

export const SMALL: SnapshotOptions = { seed: 7, handles: 24, regions: 30, threads: 6, contextRatio: 0.5, auxPages: 2 }
export const MEDIUM: SnapshotOptions = { seed: 11, handles: 8000, regions: 9500, threads: 2500, contextRatio: 0.5, auxPages: 16 }
export const CAPTURE_SET: SnapshotOptions = { seed: 13, handles: 6, regions: 5, threads: 2, contextRatio: 0.5, auxPages: 0 }
/** The header key of format 1.2 the `capture-set` fixture adds (issue 13): one archive of a watched series. */
export const CAPTURE_SET_HEADER = { id: '5d41402abc4b2a76b9719d911017c592', kind: 'series', index: 3, trigger: 'handleCount > 100 (handleCount 131)' }

export const FIXTURES: readonly FixtureRecipe[] = [
  {
    name: 'minimal',
    description: 'the hand-written builder\'s minimalArchive() (test/helpers/build-archive.ts): 8 entries, every section, a sparse group per handle union member used, an epilogue with a capture error',
    make: async () => minimalArchive(),
  },
  {
    name: 'small',
    description: `generateSnapshot(${JSON.stringify(SMALL)}) written uncompressed with chunkEntries 10 (several chunks per section)`,
    make: synthetic(SMALL, { compression: 'none', chunkEntries: 10 }),
  },
  {
    name: 'medium',
    description: `generateSnapshot(${JSON.stringify(MEDIUM)}) written deflate-compressed with chunkEntries 4096`,
    make: synthetic(MEDIUM, { compression: 'deflate', chunkEntries: 4096 }),
  },
  {
    name: 'linux-small',
    description: 'format 1.1: the fixed Linux-shaped snapshot of test/synthetic/linux.ts (9 fds with open flags and positions, 4 threads with scheduler states, 8 regions with resident/proportional/swapped sizes, a soft error) written uncompressed with formatMinor 1',
    make: async (hooks) => snapshotBytes(linuxSnapshot(), { compression: 'none', formatMinor: 1, ...(hooks ? { hooks } : {}) }),
  },
  {
    name: 'linux-lsof',
    description: 'format 1.2 (issue 16): the fixed Linux snapshot of test/synthetic/linux-lsof.ts (16 fds: tcp, udp6, unix path/abstract/pair, netlink and an unmatched socket with the linux.socket/linux.inet groups, deleted and live files with linux.file, memfd, eventfd, timerfd, signalfd and inotify details; 7 regions with mapping labels and deleted flags; the header\'s linuxProcess; a soft error) written uncompressed with formatMinor 2',
    make: async (hooks) => snapshotBytes(linuxLsofSnapshot(), { compression: 'none', formatMinor: 2, ...(hooks ? { hooks } : {}) }),
  },
  {
    name: 'capture-set',
    description: `format 1.2 (issue 13): generateSnapshot(${JSON.stringify(CAPTURE_SET)}) with the header's captureSet ${JSON.stringify(CAPTURE_SET_HEADER)} (a watched series' fourth archive), written uncompressed with formatMinor 2`,
    make: async (hooks) => {
      const snapshot = generateSnapshot(CAPTURE_SET)
      snapshot.header.captureSet = { ...CAPTURE_SET_HEADER }
      return snapshotBytes(snapshot, { compression: 'none', formatMinor: 2, ...(hooks ? { hooks } : {}) })
    },
  },
  {
    name: 'linux-maps',
    description: 'format 1.3 (issue 15): the fixed Linux snapshot of test/synthetic/linux-maps.ts (14 regions with the whole maps line: fileOffset, deviceMajor, deviceMinor, inode, mapsPermissions; an ELF image, a shared read-only file, a write-only mapping, a non-UTF-8 byte in a path, a minor above 0xff, anonymous memory and pseudo-mappings; 1 thread; the header\'s linuxProcess) written uncompressed with formatMinor 3',
    make: async (hooks) => snapshotBytes(linuxMapsSnapshot(), { compression: 'none', formatMinor: 3, ...(hooks ? { hooks } : {}) }),
  },
]
