// The part of d3-hierarchy (3.x) the address-space treemap uses; the package ships no types.
declare module 'd3-hierarchy' {
  export interface HierarchyRectangularNode<T> {
    data: T
    depth: number
    value?: number
    x0: number
    y0: number
    x1: number
    y1: number
    parent: HierarchyRectangularNode<T> | null
    children?: HierarchyRectangularNode<T>[]
    leaves(): HierarchyRectangularNode<T>[]
    descendants(): HierarchyRectangularNode<T>[]
  }
  export interface HierarchyNode<T> {
    sum(value: (d: T) => number): this
    sort(compare: (a: HierarchyNode<T> & { value?: number }, b: HierarchyNode<T> & { value?: number }) => number): this
  }
  export function hierarchy<T>(data: T, children?: (d: T) => readonly T[] | undefined): HierarchyNode<T>
  export interface TreemapLayout<T> {
    (root: HierarchyNode<T>): HierarchyRectangularNode<T>
    size(size: [number, number]): this
    paddingOuter(p: number): this
    paddingTop(p: number): this
    paddingInner(p: number): this
    round(r: boolean): this
  }
  export function treemap<T>(): TreemapLayout<T>
}
