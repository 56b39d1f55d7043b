// pssnap: the platform-free library — open, validate and query archives in Node, browsers or any runtime.
// File helpers live in `pssnap/node` (reader/node.ts); capture in `pssnap/capture`.
export * from '../format/index.js'
export { Archive, decodeArchive, type OpenOptions } from './archive.js'
export { openArchive, toByteInput, type ArchiveSource } from './open.js'
export { Section, fieldSpecOf } from './section.js'
export { validateArchive, type ValidationReport } from './validate.js'
export * from './json.js'
export { resolveField, fieldPaths, storedFieldPaths, registerNames, sectionId, pathGetter, FieldError, SECTION_ALIASES, type FieldRef, type AccessOptions, type SectionId } from './access.js'
export * from './query.js'
export * from './text.js'
