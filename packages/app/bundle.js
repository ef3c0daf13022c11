// Bundles the CLI (dist/index.js and everything it imports, ours and the libraries') into
// dist/ccx-hook-service.js, the file the bin runs: one file starts in about two thirds of the time
// of the 600 modules it replaces, each resolved, read and compiled on its own (docs/BENCHMARKS.md,
// row 7). Run by `npm run build`, after tsc. What the bundle still loads from node_modules at run
// time is a dependency of this package: better-sqlite3 (a native binding), the files our
// packages export (the .proto files, the descriptor set, the console's assets, the SQLite
// worker), @grpc/reflection and @grpc/proto-loader (loaded at the first reflection call, not
// bundled: packages/server/src/lazy-reflection.ts) and the .proto files of grpc-js below.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// grpc-js reads .proto files from its own folder (`__dirname`) at run time (channelz), which in
// the bundle would be dist/: each of its files gets its folder back, resolved through its package.
const readsOwnFolder = /\/node_modules\/(@grpc\/grpc-js\/.+\.js)$/;

/** @type {import('esbuild').Plugin} */
const ownFolder = {
  name: 'own-folder',
  setup(bundle) {
    bundle.onLoad({ filter: readsOwnFolder }, async ({ path }) => {
      const text = await readFile(path, 'utf8');
      if (!text.includes('__dirname')) return undefined;
      const file = JSON.stringify(readsOwnFolder.exec(path)[1]);
      return { contents: `var __dirname = require('node:path').dirname(require.resolve(${file}));\n${text}`, loader: 'js' };
    });
  },
};

await build({
  // Paths are this package's, from wherever the script is run.
  absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  entryPoints: ['dist/index.js'],
  outfile: 'dist/ccx-hook-service.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // pg-native is pg's optional binding, which we do not install.
  external: ['better-sqlite3', 'pg-native'],
  // The CommonJS libraries in an ES module call require: they get Node's, from this file.
  banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module';\nconst require = createRequireOfBundle(import.meta.url);" },
  plugins: [ownFolder],
  logLevel: 'warning',
});
