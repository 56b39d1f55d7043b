// What a Windows service process holds, as names and numbers: handle types with their share of a typical
// handle table, object names, loaded modules and mapped files. Plausible rather than copied from any
// one machine; a few names are deliberately non-ASCII so every consumer meets UTF-8.
import type { Rng } from './prng.js'

export const VOLUME = '\\Device\\HarddiskVolume3'
export const SYSTEM32 = `${VOLUME}\\Windows\\System32`
export const PRODUCT_DIR = `${VOLUME}\\Program Files\\Contoso`
export const TARGET_IMAGE_PATH = 'C:\\Program Files\\Contoso\\svc.exe'

/** PSS_OBJECT_TYPE values (spec/abi/abi-x64.json); every other kernel type is UNKNOWN (0). */
export const ObjectType = { UNKNOWN: 0, PROCESS: 1, THREAD: 2, MUTANT: 3, EVENT: 4, SECTION: 5, SEMAPHORE: 6 } as const

export interface NameContext {
  pid: number
  sessionId: number
}

export interface HandleType {
  readonly typeName: string
  readonly objectType: number
  /** Share of the handle table, in percent. */
  readonly weight: number
  readonly access: readonly number[]
  readonly pagedPoolCharge: number
  readonly nonPagedPoolCharge: number
  /** An object name, or undefined for an unnamed object (PSS leaves the name empty: stored absent). */
  readonly name: (rng: Rng, ctx: NameContext) => string | undefined
}

const none = (): undefined => undefined
const sometimes = (p: number, make: (rng: Rng, ctx: NameContext) => string) => (rng: Rng, ctx: NameContext) => (rng.chance(p) ? make(rng, ctx) : undefined)
const bno = (ctx: NameContext) => `\\Sessions\\${ctx.sessionId}\\BaseNamedObjects`

const MUI = ['svc.exe', 'kernel32.dll', 'KernelBase.dll', 'crypt32.dll', 'winhttp.dll', 'mswsock.dll', 'rpcrt4.dll']

function fileName(rng: Rng, ctx: NameContext): string | undefined {
  const r = rng.next()
  if (r < 0.08) return undefined
  if (r < 0.22) return `${SYSTEM32}\\${rng.pick(DLLS).name}`
  if (r < 0.3) return `${SYSTEM32}\\en-US\\${rng.pick(MUI)}.mui`
  if (r < 0.45) return `${PRODUCT_DIR}\\logs\\svc-2026-11-${String(rng.int(1, 30)).padStart(2, '0')}-${rng.int(1, 999)}.log`
  if (r < 0.55) return `${VOLUME}\\ProgramData\\Contoso\\cache\\${rng.hex(16)}.bin`
  if (r < 0.65) return `\\Device\\NamedPipe\\contoso-svc-${ctx.pid}-${rng.int(1, 64)}`
  if (r < 0.78) return '\\Device\\Afd'
  if (r < 0.88) return rng.pick(['\\Device\\KsecDD', '\\Device\\CNG', '\\Device\\DeviceApi', '\\Device\\Nsi', '\\Device\\ConDrv\\Connect', '\\Device\\MountPointManager'])
  if (r < 0.94) return `${VOLUME}\\Windows\\WinSxS\\amd64_microsoft.windows.common-controls_6595b64144ccf1df_6.0.22621.4317_none_${rng.hex(16)}`
  return rng.pick([
    `${VOLUME}\\Users\\Ünïcödé\\Documents\\Données\\rapport-été.txt`,
    `${VOLUME}\\ProgramData\\Contoso\\日本語\\設定.json`,
    `${VOLUME}\\ProgramData\\Contoso\\Ünïcödé\\état.db`,
  ])
}

function keyName(rng: Rng): string | undefined {
  const r = rng.next()
  if (r < 0.03) return undefined
  if (r < 0.25) return '\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options'
  if (r < 0.4) return '\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Nls\\Sorting\\Versions'
  if (r < 0.55) return '\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\ContosoSvc\\Parameters'
  if (r < 0.7) return `\\REGISTRY\\MACHINE\\SOFTWARE\\Classes\\CLSID\\${rng.guid()}`
  if (r < 0.8) return '\\REGISTRY\\USER\\S-1-5-18'
  if (r < 0.9) return `\\REGISTRY\\USER\\S-1-5-21-3623811015-3361044348-30300820-${rng.int(1000, 1010)}\\Software\\Contoso`
  if (r < 0.97) return '\\REGISTRY\\MACHINE'
  return '\\REGISTRY\\MACHINE\\SOFTWARE\\Contoso\\Réglages\\日本語'
}

function eventName(rng: Rng, ctx: NameContext): string | undefined {
  const r = rng.next()
  if (r < 0.7) return undefined
  if (r < 0.76) return `${bno(ctx)}\\Événement-Contoso-${rng.int(1, 200)}`
  if (r < 0.8) return `${bno(ctx)}\\日本語イベント`
  if (r < 0.84) return '\\BaseNamedObjects\\Ünïcödé-Ready'
  if (r < 0.9) return rng.pick(['\\KernelObjects\\LowMemoryCondition', '\\KernelObjects\\HighMemoryCondition', '\\BaseNamedObjects\\TermSrvReadyEvent'])
  return `${bno(ctx)}\\ContosoSvc.${rng.pick(['Shutdown', 'Reload', 'Flush'])}.${ctx.pid}`
}

const sectionName = sometimes(0.4, (rng, ctx) =>
  rng.pick([
    `${bno(ctx)}\\windows_shell_global_counters`,
    '\\BaseNamedObjects\\__ComCatalogCache__',
    `${bno(ctx)}\\ContosoSharedMem_${rng.int(1, 32)}`,
    `\\BaseNamedObjects\\Global\\ContosoTelemetry-${rng.hex(8)}`,
  ]),
)
const mutantName = sometimes(0.5, (rng, ctx) =>
  rng.pick([`${bno(ctx)}\\SM0:${ctx.pid}:304:WilStaging_02`, '\\BaseNamedObjects\\Global\\ContosoSvc.Singleton', `${bno(ctx)}\\ZonesCacheCounterMutex`]),
)
const semaphoreName = sometimes(0.3, (rng, ctx) => `${bno(ctx)}\\SM0:${ctx.pid}:${rng.pick([120, 168, 304])}:WilError_03_p${rng.int(0, 1)}`)
const alpcName = sometimes(0.2, (rng) => rng.pick([`\\RPC Control\\OLE${rng.hex(28).toUpperCase()}`, `\\RPC Control\\LRPC-${rng.hex(18)}`]))

/** The handle table of a busy service; weights sum to 100. */
export const HANDLE_TYPES: readonly HandleType[] = [
  { typeName: 'File', objectType: ObjectType.UNKNOWN, weight: 35, access: [0x100001, 0x120089, 0x12019f, 0x100020, 0x16019f], pagedPoolCharge: 0, nonPagedPoolCharge: 0, name: fileName },
  { typeName: 'Event', objectType: ObjectType.EVENT, weight: 20, access: [0x1f0003, 0x100002, 0x100003], pagedPoolCharge: 0, nonPagedPoolCharge: 88, name: eventName },
  { typeName: 'Key', objectType: ObjectType.UNKNOWN, weight: 10, access: [0x20019, 0xf003f, 0x2001f, 0x1], pagedPoolCharge: 144, nonPagedPoolCharge: 0, name: keyName },
  { typeName: 'WaitCompletionPacket', objectType: ObjectType.UNKNOWN, weight: 5, access: [0x1], pagedPoolCharge: 0, nonPagedPoolCharge: 136, name: none },
  { typeName: 'Section', objectType: ObjectType.SECTION, weight: 4, access: [0x4, 0xf001f, 0x6, 0xf0007], pagedPoolCharge: 248, nonPagedPoolCharge: 0, name: sectionName },
  { typeName: 'Thread', objectType: ObjectType.THREAD, weight: 3, access: [0x1fffff, 0x1f03ff, 0x101000], pagedPoolCharge: 0, nonPagedPoolCharge: 1104, name: none },
  { typeName: 'Mutant', objectType: ObjectType.MUTANT, weight: 3, access: [0x1f0001, 0x100000], pagedPoolCharge: 0, nonPagedPoolCharge: 96, name: mutantName },
  { typeName: 'Semaphore', objectType: ObjectType.SEMAPHORE, weight: 3, access: [0x1f0003, 0x100003], pagedPoolCharge: 0, nonPagedPoolCharge: 96, name: semaphoreName },
  { typeName: 'ALPC Port', objectType: ObjectType.UNKNOWN, weight: 3, access: [0x1f0001], pagedPoolCharge: 560, nonPagedPoolCharge: 0, name: alpcName },
  { typeName: 'IRTimer', objectType: ObjectType.UNKNOWN, weight: 3, access: [0x100002], pagedPoolCharge: 0, nonPagedPoolCharge: 184, name: none },
  { typeName: 'IoCompletion', objectType: ObjectType.UNKNOWN, weight: 2, access: [0x1f0003], pagedPoolCharge: 0, nonPagedPoolCharge: 152, name: none },
  { typeName: 'TpWorkerFactory', objectType: ObjectType.UNKNOWN, weight: 2, access: [0xf00ff], pagedPoolCharge: 0, nonPagedPoolCharge: 328, name: none },
  { typeName: 'EtwRegistration', objectType: ObjectType.UNKNOWN, weight: 2, access: [0x804], pagedPoolCharge: 0, nonPagedPoolCharge: 256, name: none },
  { typeName: 'Process', objectType: ObjectType.PROCESS, weight: 1, access: [0x1fffff, 0x1478, 0x1000, 0x101000], pagedPoolCharge: 0, nonPagedPoolCharge: 2096, name: none },
  { typeName: 'Token', objectType: ObjectType.UNKNOWN, weight: 1, access: [0x8, 0xf01ff, 0x2000e], pagedPoolCharge: 1024, nonPagedPoolCharge: 0, name: none },
  { typeName: 'Directory', objectType: ObjectType.UNKNOWN, weight: 1, access: [0x3, 0xf000f], pagedPoolCharge: 184, nonPagedPoolCharge: 0, name: (rng, ctx) => rng.pick(['\\KnownDlls', bno(ctx), '\\BaseNamedObjects']) },
  { typeName: 'Desktop', objectType: ObjectType.UNKNOWN, weight: 0.5, access: [0xf01ff], pagedPoolCharge: 0, nonPagedPoolCharge: 0, name: () => '\\Default' },
  { typeName: 'WindowStation', objectType: ObjectType.UNKNOWN, weight: 0.5, access: [0xf037f], pagedPoolCharge: 0, nonPagedPoolCharge: 0, name: (rng, ctx) => rng.pick([`\\Sessions\\${ctx.sessionId}\\Windows\\WindowStations\\WinSta0`, '\\Windows\\WindowStations\\Service-0x0-3e7$']) },
  { typeName: 'KeyedEvent', objectType: ObjectType.UNKNOWN, weight: 0.5, access: [0xf0003], pagedPoolCharge: 0, nonPagedPoolCharge: 0, name: () => '\\KernelObjects\\CritSecOutOfMemoryEvent' },
  { typeName: 'Timer', objectType: ObjectType.UNKNOWN, weight: 0.3, access: [0x1f0003], pagedPoolCharge: 0, nonPagedPoolCharge: 208, name: none },
  { typeName: 'Job', objectType: ObjectType.UNKNOWN, weight: 0.2, access: [0x1f003f], pagedPoolCharge: 0, nonPagedPoolCharge: 1440, name: none },
]

export interface Module {
  /** File name; the NT path is SYSTEM32 unless `dir` says otherwise. */
  readonly name: string
  readonly dir?: string
  /** SizeOfImage. */
  readonly size: number
}

/** DLLs in load order (the exe comes first, separately). */
export const DLLS: readonly Module[] = [
  { name: 'ntdll.dll', size: 0x1f8000 },
  { name: 'kernel32.dll', size: 0xc2000 },
  { name: 'KERNELBASE.dll', size: 0x3a8000 },
  { name: 'ucrtbase.dll', size: 0x12b000 },
  { name: 'msvcrt.dll', size: 0xa7000 },
  { name: 'advapi32.dll', size: 0xb2000 },
  { name: 'sechost.dll', size: 0xa8000 },
  { name: 'rpcrt4.dll', size: 0x117000 },
  { name: 'combase.dll', size: 0x383000 },
  { name: 'bcrypt.dll', size: 0x28000 },
  { name: 'ws2_32.dll', size: 0x71000 },
  { name: 'msvcp140.dll', dir: PRODUCT_DIR, size: 0x8e000 },
  { name: 'vcruntime140.dll', dir: PRODUCT_DIR, size: 0x1c000 },
  { name: 'vcruntime140_1.dll', dir: PRODUCT_DIR, size: 0xc000 },
  { name: 'contoso-core.dll', dir: PRODUCT_DIR, size: 0x2f4000 },
  { name: 'user32.dll', size: 0x1ae000 },
  { name: 'win32u.dll', size: 0x27000 },
  { name: 'gdi32.dll', size: 0x29000 },
  { name: 'gdi32full.dll', size: 0x119000 },
  { name: 'msvcp_win.dll', size: 0x9d000 },
  { name: 'ole32.dll', size: 0x1a7000 },
  { name: 'oleaut32.dll', size: 0xd8000 },
  { name: 'shlwapi.dll', size: 0x5e000 },
  { name: 'crypt32.dll', size: 0x16a000 },
  { name: 'msasn1.dll', size: 0x13000 },
  { name: 'cryptbase.dll', size: 0xc000 },
  { name: 'bcryptprimitives.dll', size: 0x9b000 },
  { name: 'nsi.dll', size: 0xa000 },
  { name: 'mswsock.dll', size: 0x6a000 },
  { name: 'IPHLPAPI.DLL', size: 0x33000 },
  { name: 'dnsapi.dll', size: 0xfc000 },
  { name: 'winhttp.dll', size: 0x11b000 },
  { name: 'sspicli.dll', size: 0x4d000 },
  { name: 'kernel.appcore.dll', size: 0x18000 },
  { name: 'wintrust.dll', size: 0x6f000 },
  { name: 'clbcatq.dll', size: 0xb0000 },
  { name: 'imm32.dll', size: 0x31000 },
  { name: 'powrprof.dll', size: 0x4f000 },
  { name: 'umpdc.dll', size: 0xd000 },
  { name: 'profapi.dll', size: 0x1f000 },
  { name: 'userenv.dll', size: 0x2d000 },
  { name: 'version.dll', size: 0xc000 },
  { name: 'netapi32.dll', size: 0x1c000 },
  { name: 'wtsapi32.dll', size: 0x15000 },
  { name: 'secur32.dll', size: 0xd000 },
  { name: 'schannel.dll', size: 0x8d000 },
  { name: 'ncrypt.dll', size: 0x2e000 },
  { name: 'ntasn1.dll', size: 0x3d000 },
  { name: 'rsaenh.dll', size: 0x35000 },
  { name: 'cryptsp.dll', size: 0x1b000 },
  { name: 'gpapi.dll', size: 0x24000 },
  { name: 'wldp.dll', size: 0x49000 },
  { name: 'Ünïcödé-plugin.dll', dir: `${PRODUCT_DIR}\\plugins`, size: 0x16000 },
  { name: '日本語リソース.dll', dir: `${PRODUCT_DIR}\\plugins`, size: 0x9000 },
]

export const EXE: Module = { name: 'svc.exe', dir: PRODUCT_DIR, size: 0x8b000 }

export function modulePath(m: Module): string {
  return `${m.dir ?? SYSTEM32}\\${m.name}`
}

/** Files a service maps (MEM_MAPPED), or undefined for pagefile-backed sections. */
export function mappedFileName(rng: Rng): string | undefined {
  const r = rng.next()
  if (r < 0.35) return undefined
  if (r < 0.55) return `${SYSTEM32}\\${rng.pick(['locale.nls', 'C_1252.NLS', 'C_437.NLS', 'SortDefault.nls'])}`
  if (r < 0.75) return `${SYSTEM32}\\en-US\\${rng.pick(MUI)}.mui`
  if (r < 0.9) return `${VOLUME}\\ProgramData\\Contoso\\cache\\index-${rng.int(0, 63)}.dat`
  if (r < 0.96) return `${VOLUME}\\Windows\\Globalization\\Sorting\\sortdefault.nls`
  return `${VOLUME}\\ProgramData\\Contoso\\Données\\日本語.idx`
}

/** Thread descriptions set with SetThreadDescription, for the share of threads that have one. */
export const THREAD_NAMES = ['main', 'ThreadPoolWorker', 'RPC listener', 'ETW consumer', 'Contoso.Scheduler', 'Contoso.IO', 'Ünïcödé-Wächter', '日本語スレッド'] as const
