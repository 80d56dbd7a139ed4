#!/usr/bin/env node
/**
 * Third step of `npm run build`: the archive a new embedded staging folder is restored from
 * (dist/staging-template.tar.gz, src/lib/staging/embedded.ts), instead of running initdb at the
 * first command. Made once per PGlite version and set of migrations, kept in node_modules/.cache.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { buildTemplateArchive, templateKey } = await import(path.join(ROOT, 'dist/src/lib/staging/template.js'));
const { TEMPLATE_ARCHIVE } = await import(path.join(ROOT, 'dist/src/lib/staging/embedded.js'));

const cacheDir = path.join(ROOT, 'node_modules/.cache/connecteur-sages');
const cached = path.join(cacheDir, `staging-template-${templateKey()}.tar.gz`);
if (!existsSync(cached)) {
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cached, await buildTemplateArchive());
}
copyFileSync(cached, TEMPLATE_ARCHIVE);
