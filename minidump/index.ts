// Minidumps from archives (spec/MINIDUMP.md): platform-free, built on the reader.
export { writeMinidump, type MemoryRange, type MinidumpOptions, type MinidumpResult, type MinidumpSummary } from './writer.js'
export { MinidumpTooLargeError } from './bytes.js'
