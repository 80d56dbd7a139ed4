#!/usr/bin/env node
// `npm run build` (run by `npm test` and `npm start`) compiles the CLI to dist/ and bundles it into
// dist/cli/ (bin/bundle-cli.js). Stack traces in the TypeScript: node --enable-source-maps bin/connecteur.js …
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
