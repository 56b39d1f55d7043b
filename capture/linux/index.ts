// Linux capture from /proc (Node only). Loaded lazily by capture/index.ts; format/ and reader/ never import it.
export { captureLinuxToFile, readLinuxCapture, type LinuxCapture, type LinuxCaptureOptions, type LinuxCaptureResult } from './capture.js'
export { LINUX_PRESETS } from './presets.js'
export { findProcesses, listProcesses, resolveTarget, type ProcessSummary } from './ps.js'
export { holdProcess, type Hold, type HeldThread, type HoldRecord, type HoldOptions, type HoldResult, type ThreadRegisters } from './hold.js'
export { parseMemoryRequest, type MemoryRequest } from './memory.js'
