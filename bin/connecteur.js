#!/usr/bin/env node
// `npm run build` (run by `npm test` and `npm start`) compiles the CLI to dist/ and bundles it into
// one file, dist/cli/main.cjs (bin/bundle-cli.js), which starts faster than the compiled modules.
// Stack traces in the TypeScript sources: node --enable-source-maps bin/connecteur.js …
import { createRequire } from 'node:module';

const { main } = createRequire(import.meta.url)('../dist/cli/main.cjs');
process.exitCode = await main(process.argv.slice(2));
