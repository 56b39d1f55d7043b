// The canonical JSON rendering of a whole archive that golden fixtures are compared by: the `info`
// document and every entry of every present section, blobs included, as reader/json.ts renders them.
import { archiveInfoToJson, entryToJson, type Archive, type Json } from '../../reader/index.js'

export function renderArchive(archive: Archive): { info: Json; sections: Record<string, Json[]> } {
  const sections: Record<string, Json[]> = {}
  const contextArchitecture = archive.contextArchitecture
  for (const name of archive.sectionNames) {
    const section = archive.section(name)!
    sections[name] = section.toArray().map((e) => entryToJson(name, e, { includeBlobs: true, ...(contextArchitecture ? { contextArchitecture } : {}) }))
  }
  return { info: archiveInfoToJson(archive), sections }
}

/** The committed text of a fixture's `.json`: 2-space indent and a final newline. */
export function renderArchiveText(archive: Archive): string {
  return `${JSON.stringify(renderArchive(archive), null, 2)}\n`
}
