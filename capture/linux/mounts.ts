// Which mount a file lives on, and whether asking that file system about the file can wait forever.
// A stat reaches the file system's getattr: a local one answers from the in-memory inode, but FUSE asks its
// daemon and NFS, CIFS, 9p or Ceph ask a server, and a daemon or server that never answers blocks the
// calling thread for good (spec/LINUX.md §5.1). /proc/<pid>/mountinfo names every mount's file system type.
import { procRoot, readText } from './proc.js'

export interface Mount {
  id: number
  /** `major:minor` of the file system's device (what maps lines and st_dev say). */
  device: string
  mountPoint: string
  fsType: string
}

/**
 * File systems whose getattr answers from memory for an open file: local disk file systems, memory and
 * kernel pseudo file systems. overlay asks its layers, which are local in every container runtime's setup.
 * Anything not listed (fuse.*, nfs, cifs, smb3, 9p, ceph, afs, gfs2, ocfs2, lustre, autofs, unknown names)
 * is asked only with a deadline.
 */
const ANSWERS_FROM_MEMORY: ReadonlySet<string> = new Set([
  ...['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'jfs', 'reiserfs', 'zfs', 'bcachefs', 'nilfs2'],
  ...['vfat', 'msdos', 'exfat', 'ntfs', 'ntfs3', 'hfs', 'hfsplus', 'iso9660', 'udf', 'squashfs', 'erofs', 'romfs', 'cramfs'],
  ...['tmpfs', 'ramfs', 'devtmpfs', 'proc', 'sysfs', 'devpts', 'mqueue', 'hugetlbfs', 'cgroup', 'cgroup2', 'debugfs', 'tracefs'],
  ...['securityfs', 'bpf', 'pstore', 'configfs', 'efivarfs', 'binfmt_misc', 'fusectl', 'nsfs', 'pipefs', 'sockfs', 'anon_inodefs'],
  'overlay',
])

export const answersFromMemory = (fsType: string | undefined) => fsType !== undefined && ANSWERS_FROM_MEMORY.has(fsType)

/** mountinfo escapes space, tab, newline and backslash in paths as octal (`\040`). */
const unescapeOctal = (path: string) => path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)))

/** `36 35 98:0 /root /mnt/point rw,noatime master:1 - ext4 /dev/sda1 rw` (proc(5)); other lines skipped. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = []
  for (const line of text.split('\n')) {
    const fields = line.split(' ')
    const separator = fields.indexOf('-', 6)
    if (fields.length < 10 || separator < 0 || !/^\d+$/.test(fields[0]!)) continue
    mounts.push({ id: Number(fields[0]), device: fields[2]!, mountPoint: unescapeOctal(fields[4]!), fsType: fields[separator + 1]! })
  }
  return mounts
}

export class MountTable {
  private readonly byId = new Map<number, Mount>()
  private readonly byDevice = new Map<string, Mount>()
  constructor(readonly mounts: readonly Mount[]) {
    for (const m of mounts) {
      this.byId.set(m.id, m)
      this.byDevice.set(m.device, m)
    }
  }

  /** The mount `fdinfo`'s `mnt_id:` names. */
  ofId(id: number | undefined): Mount | undefined {
    return id === undefined ? undefined : this.byId.get(id)
  }

  /** A mount of the device a maps line names (bind mounts of one device share its file system type). */
  ofDevice(device: string): Mount | undefined {
    return this.byDevice.get(device)
  }

  /** The mount a path is under: the longest mount point that is a prefix, the later one of equals (overmounted). */
  ofPath(path: string): Mount | undefined {
    const p = path.endsWith(' (deleted)') ? path.slice(0, -' (deleted)'.length) : path
    let best: Mount | undefined
    for (const m of this.mounts) {
      const under = m.mountPoint === '/' || p === m.mountPoint || p.startsWith(`${m.mountPoint}/`)
      if (under && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m
    }
    return best
  }
}

/** The target's mount table (mount points as we see them, like its link targets), or undefined when unreadable. */
export function readMounts(pid: number): MountTable | undefined {
  try {
    return new MountTable(parseMountinfo(readText(`${procRoot(pid)}/mountinfo`)))
  } catch {
    return undefined
  }
}

/** The mount table read on first use and kept for the rest of the capture (one read per capture at most). */
export function lazyMounts(pid: number): () => MountTable | undefined {
  let table: MountTable | undefined | null = null
  return () => (table === null ? (table = readMounts(pid)) : table)
}

/** A maps line's device (`fd:01`, hex) as mountinfo writes it (`253:1`, decimal). */
export function deviceOfMaps(device: string): string {
  const [major, minor] = device.split(':')
  return `${Number.parseInt(major ?? '', 16)}:${Number.parseInt(minor ?? '', 16)}`
}
