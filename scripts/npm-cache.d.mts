export declare const PINNED_NODE_VERSION: string
export declare function cachedPackage(spec: string, name: string, cacheDir: string): string
