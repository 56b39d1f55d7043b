// An esbuild plugin for the CLI bundles (scripts/build.mjs, scripts/build-exe.mjs): string-width, which yargs,
// cliui and wrap-ansi import, is replaced by a stand-in (cli/string-width.ts) that loads the real module only for
// a string it cannot measure itself. Loading string-width costs ~25 ms (an Intl.Segmenter and a \p{RGI_Emoji}
// RegExp built at module evaluation), and yargs measures the matched command's help on every run.
//
// Each import of string-width gets a module of its own holding a stand-in built around a require() of the real
// module (the one that import resolves to: yargs has 8.x, cliui and wrap-ansi 7.x). A require() of an ES module
// makes esbuild wrap that module, and the modules only it imports, in an init function run by the require(), on
// first use, instead of at start-up.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const NAMESPACE = 'pssnap-lazy-string-width'
const STAND_IN = fileURLToPath(new URL('../cli/string-width.ts', import.meta.url))

export const lazyModules = {
  name: 'pssnap-lazy-modules',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.real) return undefined
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { real: true } })
      if (real.errors.length > 0) return { errors: real.errors }
      return { path: real.path, namespace: NAMESPACE }
    })
    b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
      // A require() with a literal path is bundled, not left for run time.
      contents: `import { lazyStringWidth } from ${JSON.stringify(STAND_IN)}\nexport default lazyStringWidth(() => require(${JSON.stringify(args.path)}).default)\n`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }))
  },
}
