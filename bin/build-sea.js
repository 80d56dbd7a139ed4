#!/usr/bin/env node
/**
 * `npm run build:sea` (after `npm run build`): the CLI as one executable, with Node's single
 * executable applications (nodejs.org/api/single-executable-applications.html):
 *   1. esbuild bundles dist/src/cli/main.js with every package it uses (the CLI's own bundle,
 *      dist/cli/main.cjs, leaves most of them in node_modules; a single executable has none);
 *   2. the staging migrations, package.json and the guide (docs/guide.md, the dashboard's) go in as SEA assets, unpacked on first start to a
 *      folder named after their digest (postgrator reads migrations from files);
 *   3. `node --experimental-sea-config` writes the blob, which postject (the Node project's
 *      injector) puts into a copy of this very node binary: dist/sea/connecteur[.exe].
 * The embedded staging (PGlite and its wasm files) is left out: the executable needs a PostgreSQL.
 * Built on each platform for itself (Linux in .ci/run, Windows in the GitHub workflow).
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/sea');
const DIST_SRC = path.join(ROOT, 'dist/src') + path.sep;
const MIGRATIONS = path.join(ROOT, 'src/lib/staging/migrations');
const exe = path.join(OUT, process.platform === 'win32' ? 'connecteur.exe' : 'connecteur');

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// What the executable unpacks: the files the code reads beside its modules, at the same relative places.
const assets = { 'package.json': path.join(ROOT, 'package.json'), 'docs/guide.md': path.join(ROOT, 'docs/guide.md') };
for (const f of readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) assets[`src/lib/staging/migrations/${f}`] = path.join(MIGRATIONS, f);
const digest = createHash('sha256');
for (const [name, file] of Object.entries(assets)) digest.update(name).update(readFileSync(file));

/**
 * `import.meta.url` names the compiled module under the unpacked root (see the entry below), so
 * that `new URL('../../../package.json', import.meta.url)` and the migrations' folder resolve there;
 * `createRequire(import.meta.url)('pkg')` becomes a plain require, which esbuild bundles.
 */
const unpackedModuleUrl = {
  name: 'unpacked-module-url',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(DIST_SRC)) return undefined;
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      text = text.replace(/createRequire\(import\.meta\.url\)\(('[^']+')\)/g, 'require($1)');
      text = text.replace(/const requireCjs = createRequire\(import\.meta\.url\);/, 'const requireCjs = require;');
      const relative = path.relative(ROOT, args.path).split(path.sep).join('/');
      const url = `require('node:url').pathToFileURL(require('node:path').join(globalThis.__connecteurRoot, ${JSON.stringify(relative)})).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

const entry = path.join(OUT, 'entry.cjs');
writeFileSync(
  entry,
  `// The single executable's start: unpack the assets once, then run the CLI.
const sea = require('node:sea');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const root = path.join(os.tmpdir(), 'connecteur-sea-${digest.digest('hex').slice(0, 16)}');
if (!fs.existsSync(path.join(root, '.complete'))) {
  for (const name of ${JSON.stringify(Object.keys(assets))}) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), Buffer.from(sea.getAsset(name)));
  }
  fs.writeFileSync(path.join(root, '.complete'), '');
}
globalThis.__connecteurRoot = root;
const { main } = require(${JSON.stringify(path.join(ROOT, 'dist/src/cli/main.js'))});
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
`,
);

await build({
  entryPoints: [entry],
  outfile: path.join(OUT, 'connecteur.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Provided by the Functions host only; PGlite's wasm files cannot travel in one file.
  external: ['@azure/functions-core'],
  alias: { '@electric-sql/pglite': path.join(ROOT, 'bin/sea-no-pglite.cjs') },
  minifyWhitespace: true,
  logLevel: 'warning',
  plugins: [unpackedModuleUrl],
});

const config = path.join(OUT, 'sea-config.json');
writeFileSync(
  config,
  JSON.stringify({ main: path.join(OUT, 'connecteur.cjs'), output: path.join(OUT, 'sea-prep.blob'), disableExperimentalSEAWarning: true, assets }, null, 2),
);
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// On Windows the copied node.exe keeps a signature that injection invalidates: removed when signtool is at hand.
if (process.platform === 'win32') {
  try {
    execFileSync('signtool', ['remove', '/s', exe], { stdio: 'inherit' });
  } catch {
    console.warn('signtool absent : la signature de node.exe reste (invalide) dans connecteur.exe.');
  }
}
const { inject } = createRequire(import.meta.url)('postject');
await inject(exe, 'NODE_SEA_BLOB', readFileSync(path.join(OUT, 'sea-prep.blob')), {
  sentinelFuse: 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
});
console.log(`Exécutable : ${path.relative(ROOT, exe)}`);
