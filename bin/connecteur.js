#!/usr/bin/env node
// The CLI is compiled to dist/; `npm run build` (run by `npm test` and `npm start`) produces it.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
