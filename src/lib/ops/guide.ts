/**
 * The operators' guide as a page of the connector (GET /api/guide, linked from the dashboard):
 * docs/guide.md rendered with marked. The deployed package carries the file (infra/scripts/package.sh).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled to dist/src/lib/ops; the guide stays in docs/ at the package's root.
const GUIDE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/guide.md');

/** The guide as an HTML page; null when the package has no guide. */
export async function renderGuide(file = GUIDE): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const { marked } = await import('marked');
  // The guide is the project's own text, not data: its HTML is kept as written (the markers are comments).
  const body = await marked.parse(text);
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Connecteur SAGES — guide de l’intégrateur</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem;color:#1d2733;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}code{background:#f6f8fa;padding:0 .2rem}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto}</style>
</head><body>${body}</body></html>`;
}
