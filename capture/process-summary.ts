// One process as `pssnap ps` lists it and capture-by-name matches it, on every backend.

export interface ProcessSummary {
  processId: number
  parentProcessId: number
  /** Linux: the kernel's command name (comm, at most 15 bytes); Windows: the executable's file name (PROCESSENTRY32W.szExeFile). */
  name: string
  /** The executable's path, when known (Linux). */
  imagePath?: string
  threadCount: number
  /** Open handles (Linux: descriptors); undefined when this user may not count them. */
  handleCount?: number
  /** Linux: the arguments (`/proc/<pid>/cmdline`, NULs as spaces); absent for kernel threads and zombies. */
  commandLine?: string
  /** Linux: the state letter of `stat` (R running, S sleeping, D disk sleep, Z zombie, I idle kernel thread, …). */
  state?: string
  /** Linux: a kernel thread (PF_KTHREAD): nothing to capture. */
  kernelThread?: boolean
}
