// Objects kept for the life of the process so that their hidden classes stay: at a full garbage collection
// V8 drops a hidden class no live object has, and with it the optimised code of every function that used
// such objects ("weak objects" in --trace-deopt). A process that writes, reads or diffs more than once (watch,
// the viewer, a library user, a benchmark that collects between runs) then ran that code unoptimised again.
// Only empty objects belong here (a few of each kind): nothing they hold outlives its use.

const kept: object[] = []

/** Keeps `shape` alive for the life of the process; returns it. */
export function keepShape<T extends object>(shape: T): T {
  kept.push(shape)
  return shape
}
