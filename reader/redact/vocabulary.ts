// What redaction leaves readable: path components that are public vocabulary of the operating systems
// (folder names every installation has, registry hives, object-manager directories), the shapes of
// kernel pseudo-names, and what a module file looks like. Matched ignoring case. A component found here
// says nothing about who or where the capture came from; everything else in a name is replaced.

const WINDOWS = [
  // Volumes and object-manager namespace
  'Device', 'GLOBAL??', 'Global', 'Local', 'Sessions', 'BaseNamedObjects', 'AppContainerNamedObjects', 'KernelObjects',
  'KnownDlls', 'KnownDlls32', 'RPC Control', 'Windows', 'WindowStations', 'WinSta0', 'Default', 'Callback', 'Driver',
  'FileSystem', 'NamedPipe', 'Mailslot', 'Afd', 'Endpoint', 'KsecDD', 'CNG', 'DeviceApi', 'Nsi', 'ConDrv', 'Connect',
  'Reference', 'Input', 'Output', 'Server', 'MountPointManager', 'Tcp', 'Tcp6', 'Udp', 'Udp6', 'RawIp', 'Ip', 'Ip6',
  'Beep', 'Null', 'LanmanRedirector', 'Mup', 'pipe', 'UNC', 'Dfs',
  // File system
  'System32', 'SysWOW64', 'SysArm32', 'SysNative', 'WinSxS', 'Program Files', 'Program Files (x86)', 'Program Files (Arm)',
  'ProgramData', 'Users', 'Public', 'Default User', 'All Users', 'AppData', 'LocalLow', 'Roaming', 'Temp', 'Tmp',
  'Microsoft', 'Microsoft.NET', 'Framework', 'Framework64', 'assembly', 'GAC_MSIL', 'GAC_64', 'GAC_32', 'NativeImages',
  'Fonts', 'Globalization', 'Sorting', 'SystemResources', 'servicing', 'Installer', 'Prefetch', 'Logs', 'drivers', 'etc',
  'DriverStore', 'FileRepository', 'config', 'catroot', 'catroot2', 'wbem', 'WindowsPowerShell', 'Common Files',
  'System', 'Caches', 'INetCache', 'Packages', 'WindowsApps', 'Documents', 'Desktop', 'Downloads', 'Pictures', 'Music',
  'Videos', 'Favorites', 'Crypto', 'RSA', 'Keys', 'Protect', 'Credentials', 'Vault', 'Start Menu', 'Programs',
  'en-US', 'en-GB', 'de-DE', 'fr-FR', 'es-ES', 'ja-JP', 'zh-CN',
  // Registry
  'REGISTRY', 'MACHINE', 'USER', 'SOFTWARE', 'SYSTEM', 'SECURITY', 'SAM', 'HARDWARE', 'BCD00000000', 'Classes', 'CLSID',
  'Interface', 'TypeLib', 'AppID', 'Wow6432Node', 'Policies', 'Windows NT', 'CurrentVersion', 'CurrentControlSet',
  'ControlSet001', 'ControlSet002', 'Control', 'Services', 'Parameters', 'Enum', 'Nls', 'Versions', 'Image File Execution Options',
  'Explorer', 'Internet Settings', 'Run', 'RunOnce', 'Environment', 'Volatile Environment', 'Console', 'Cryptography',
  'SideBySide', 'Winsock', 'Winsock2', 'Tcpip', 'Linkage', 'Performance', 'ProfileList', 'Session Manager',
  'HKEY_LOCAL_MACHINE', 'HKEY_USERS', 'HKEY_CURRENT_USER', 'HKEY_CLASSES_ROOT', 'HKEY_CURRENT_CONFIG',
]

const UNIX = [
  'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'usr', 'local', 'share', 'include', 'libexec', 'etc', 'opt', 'var',
  'cache', 'log', 'spool', 'run', 'tmp', 'dev', 'shm', 'pts', 'mqueue', 'hugepages', 'proc', 'sys', 'fs', 'cgroup',
  'kernel', 'boot', 'mnt', 'media', 'srv', 'home', 'snap', 'nix', 'store', 'Users', 'Library', 'Applications', 'System',
  'Frameworks', 'PrivateFrameworks', 'x86_64-linux-gnu', 'aarch64-linux-gnu', 'i386-linux-gnu', 'arm-linux-gnueabihf',
  'riscv64-linux-gnu', 'locale', 'zoneinfo', 'fonts', 'icons', 'mime', 'gconv', 'ssl', 'certs', 'pki', 'ca-certificates',
  'systemd', 'dbus-1', 'user', 'node_modules', 'site-packages', 'dist-packages', 'python3', 'debug', 'null', 'zero',
  'urandom', 'random', 'tty', 'ptmx', 'pipe', 'socket', 'dri', 'nvidia', 'input', 'net', 'fd', 'self', 'task', 'maps',
  'anon_inode', 'memfd', 'containers', 'docker', 'overlay', 'overlay2', 'merged', 'rootfs', 'alternatives', 'lsb',
  'ld.so.cache', 'passwd', 'group', 'hosts', 'resolv.conf', 'nsswitch.conf', 'localtime', 'os-release', '.cache',
  '.config', '.local', 'stat', 'status', 'meminfo', 'cpuinfo', 'mounts', 'bus', 'journal', 'nscd', 'gnupg',
]

const PUBLIC = new Set([...WINDOWS, ...UNIX].map((s) => s.toLowerCase()))

/** A component every installation has (case ignored). */
export function isPublicComponent(component: string): boolean {
  return PUBLIC.has(component.toLowerCase())
}

/**
 * Components whose form carries no identity: drive letters (`C:`), volume and shadow-copy devices
 * (`HarddiskVolume3`), `.`/`..`/`?`/`??` (as in `\??\C:`, `\\?\`), and plain numbers of up to 10 digits
 * (session ids, pids, uids, `/proc/1234`).
 */
export function isShapeOnly(component: string): boolean {
  return /^(?:[A-Za-z]:|HarddiskVolume(?:ShadowCopy)?\d+|\.{1,2}|\?{1,2}|\d{1,10})$/i.test(component)
}

/** Kernel pseudo-names of Linux descriptors, kept whole: `socket:[4711]`, `pipe:[12]`, `anon_inode:[eventfd]`. */
export function isKernelPseudoName(value: string): boolean {
  return /^[a-z_]+:\[\d+\]$/.test(value) || /^anon_inode:\[?[A-Za-z0-9_.\-]*\]?$/.test(value)
}

/**
 * A loaded-module file name by its form: Windows images (`.dll`, `.exe`, `.sys`, …) and shared objects
 * (`libc.so.6`, `.dylib`). Such base names stay readable unless modules are redacted too; extensionless
 * executables are recognised from the archive's own MEM_IMAGE regions instead.
 */
export function looksLikeModule(component: string): boolean {
  return /\.(?:dll|exe|sys|drv|ocx|cpl|mui|efi|scr|winmd|node|dylib|so(?:\.\d+)*)$/i.test(component)
}

/**
 * The extension a pseudonym keeps: `.so.6`, or a dot and up to 8 letters/digits starting with a letter,
 * after a non-empty stem. `undefined` when there is none (`1.2`, `.bashrc`).
 */
export function extensionOf(component: string): string | undefined {
  const so = /.(\.so(?:\.\d+)*)$/.exec(component)
  if (so) return so[1]
  const m = /.(\.[A-Za-z][A-Za-z0-9_]{0,7})$/.exec(component)
  return m?.[1]
}

/** Windows user-profile folders that belong to no one. */
export function isSharedProfile(component: string): boolean {
  return /^(?:public|default|default user|all users|defaultapppool)$/i.test(component)
}
