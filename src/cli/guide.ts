/**
 * The table of codes of the operators' guide (docs/guide.md), generated from domain/codes.ts:
 * `npm run guide` writes it between the guide's two markers; a test fails when the guide's table
 * differs from the list (a code added without its entry cannot compile, one added to the list
 * without regenerating the guide fails that test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CODE_PATTERNS, CODES, type CodeEntry, type CodeFamily } from '../lib/domain/codes.js';

export const GUIDE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/guide.md');
export const BEGIN = '<!-- codes : début (généré par « npm run guide » depuis src/lib/domain/codes.ts, ne pas modifier à la main) -->';
export const END = '<!-- codes : fin -->';

/** Each family under its own heading, in the order an operator meets them. */
const FAMILIES: readonly { family: CodeFamily; title: string }[] = [
  { family: 'réglage', title: 'Réglages à corriger (code de sortie 2)' },
  { family: 'indisponible', title: 'Système injoignable ou réponse inutilisable (code de sortie 3)' },
  { family: 'exécution', title: 'Exécutions' },
  { family: 'enregistrement', title: 'Enregistrements en échec (code de sortie 1)' },
  { family: 'retenue', title: 'Enregistrements retenus (code de sortie 1)' },
  { family: 'avertissement', title: 'Avertissements (rien n’a échoué)' },
  { family: 'audit', title: 'Différences trouvées par l’audit (connecteur audit)' },
  { family: 'http', title: 'Réponses des routes HTTP' },
];

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderCodesTable(): string {
  const entries: [string, CodeEntry][] = [...Object.entries(CODES), ...Object.entries(CODE_PATTERNS)];
  const parts: string[] = [];
  for (const { family, title } of FAMILIES) {
    const rows = entries.filter(([, e]) => e.family === family);
    if (rows.length === 0) continue;
    parts.push(`### ${title}`, '', '| Code | Ce que cela veut dire | Que faire |', '|---|---|---|');
    for (const [code, e] of rows) parts.push(`| \`${code}\` | ${cell(e.meaning)} | ${cell(e.remedy)} |`);
    parts.push('');
  }
  return parts.join('\n');
}

/** The guide with its table replaced by the generated one. */
export function withGeneratedTable(guide: string): string {
  const start = guide.indexOf(BEGIN);
  const end = guide.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/guide.md : marqueurs « ${BEGIN} » et « ${END} » introuvables.`);
  return `${guide.slice(0, start + BEGIN.length)}\n\n${renderCodesTable()}\n${guide.slice(end)}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(GUIDE, withGeneratedTable(readFileSync(GUIDE, 'utf8')));
  process.stdout.write(`Tableau des codes écrit dans ${GUIDE}.\n`);
}
