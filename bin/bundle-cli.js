#!/usr/bin/env node
/**
 * Second step of `npm run build`, after tsc: bundles the CLI (dist/src/cli/main.js and every module
 * it imports, lazily imported ones included) into one CommonJS file, dist/cli/main.cjs, which
 * bin/connecteur.js requires. A start then reads one file instead of about 150 modules (zod alone
 * is 95), and tree-shaking drops the parts of zod that nothing uses (its other locales).
 *
 * - Bundled: the connector's code and the packages that every run loads (BUNDLED). Every other
 *   package stays external: required or imported from node_modules on first use, as before (the
 *   Azure SDKs, mssql, PGlite and its wasm files, postgrator, undici, cli-progress…). A module
 *   imported lazily runs, and requires its packages, only when first imported.
 * - CommonJS in one file rather than ES modules split in chunks: the ES loader's work per module
 *   (about 30 chunks for a run) cost more than compiling the code no run uses.
 * - `import.meta.url` keeps naming the compiled module it was written in (dist/src/…), so that
 *   paths relative to it (package.json, the staging migrations) and createRequire still resolve.
 * - Source maps chain to the TypeScript: `node --enable-source-maps bin/connecteur.js …` gives
 *   stack traces in src/ (not by default: loading the map costs start time).
 */
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/cli');
const DIST_SRC = path.join(ROOT, 'dist/src') + path.sep;

/** Loaded by every command: bundled (with their own dependencies). */
const BUNDLED = new Set(['commander', 'zod', 'pg', 'p-limit', 'p-retry']);

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);

const compiledModuleUrl = {
  name: 'compiled-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST_SRC)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const relative = path.relative(OUT, args.path).split(path.sep).join('/');
      const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(relative)})).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

/**
 * pg picks its socket at load time by asking whether it runs in a Cloudflare Worker: without a
 * global `navigator` (Node 20 has none) it builds a `Response`, which loads Node's whole fetch
 * implementation (tens of milliseconds). Inside pg's stream module only, `navigator` is Node 21's.
 */
const pgStreamWithoutFetch = {
  name: 'pg-stream-without-fetch',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const shadow = "const navigator = globalThis.navigator ?? { userAgent: 'Node.js' };\n";
      return { contents: shadow + text, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: [path.join(ROOT, 'dist/src/cli/main.js')],
  outfile: path.join(OUT, 'main.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  // No comments (some are not ASCII, which doubles the source's size in memory); names are kept.
  minifyWhitespace: true,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [compiledModuleUrl, pgStreamWithoutFetch],
});
// What went into the bundle: the tests read it.
writeFileSync(path.join(OUT, 'meta.json'), JSON.stringify(result.metafile));

