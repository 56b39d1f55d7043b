// The Node entry (`pssnap/node`): the platform-free reader (reader/index.ts) and the Node file helpers and
// zlib-backed hooks (reader/node-files.ts).
export * from './node-files.js'
export * from './index.js'
