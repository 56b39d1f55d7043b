// The Windows capture backend (Process Snapshotting API through koffi). Imported lazily by whoever wires it
// (capture/index.ts, the CLI): loading this module does not load koffi; captureProcess does.
export { captureProcess, type WindowsCaptureOptions, type WindowsCaptureResult } from './pipeline.js'
export { accessMaskFor, CONTEXT_ALL, presetFlags, WINDOWS_PRESETS, type WindowsPreset } from './flags.js'
export { Win32Error } from './pss.js'
