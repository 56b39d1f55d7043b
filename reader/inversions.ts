// Inversion counting by bottom-up merge sort: the O(n log n) core of Kendall's S (trend-stats.ts) and of
// slope selection (slope-select.ts), in one place.

/**
 * Sorts `a` in place, stably, by `inOrder` (true when x may stay before y), returning the inversions: pairs
 * i < j that `inOrder(a[i], a[j])` rejects. O(n log n) calls of `inOrder`.
 */
export function countInversions<A extends Int32Array | Float64Array>(a: A, inOrder: (x: number, y: number) => boolean): number {
  const n = a.length
  let src: Int32Array | Float64Array = a
  let dst: Int32Array | Float64Array = a instanceof Int32Array ? new Int32Array(n) : new Float64Array(n)
  let inversions = 0
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n)
      const hi = Math.min(lo + 2 * width, n)
      let i = lo
      let j = mid
      let k = lo
      while (i < mid && j < hi) {
        if (inOrder(src[i]!, src[j]!)) dst[k++] = src[i++]!
        else {
          inversions += mid - i
          dst[k++] = src[j++]!
        }
      }
      while (i < mid) dst[k++] = src[i++]!
      while (j < hi) dst[k++] = src[j++]!
    }
    ;[src, dst] = [dst, src]
  }
  if (src !== a) a.set(src)
  return inversions
}
