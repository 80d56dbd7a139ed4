/** The audit as an operator reads it: a ten-second summary, then each difference with its action; or CSV. */
import { KIND_LABELS, type AuditReport, type FindingKind, type TotalRow } from './types.js';

const h = (n: number) => n.toLocaleString('fr-FR', { maximumFractionDigits: 2 });

export function formatAuditText(r: AuditReport): string {
  const s = r.summary;
  const lines = [
    `Audit Batigest ⇄ staging ⇄ BatiSimply du ${r.window.from} au ${r.window.to} (exclu), heures de ${r.window.timeZone}`,
    `Chantiers : ${s.chantiers.batigest} dans Batigest, ${s.chantiers.staging} en staging, ${s.chantiers.batisimply} projets BatiSimply.`,
    `Heures validées BatiSimply : ${h(s.heures.batisimply)} h ; SuiviMO : ${h(s.heures.batigest)} h ; écart ${h(s.heures.difference)} h, expliqué ${h(s.heures.expliquees)} h.`,
    `Heures inexpliquées : ${h(s.heures.inexpliquees)}`,
    s.differences === 0 ? 'Aucune différence.' : `${s.differences} différence(s) :`,
  ];
  for (const [kind, n] of Object.entries(s.parType) as [FindingKind, number][])
    lines.push(`  ${String(n).padStart(4)}  ${KIND_LABELS[kind]}`);
  if (r.findings.length > 0) lines.push('', 'Détail :');
  for (const f of r.findings) lines.push(`• [${f.kind}] ${f.message}`, `    → ${f.action}`);
  const totals = (title: string, rows: TotalRow[]) => {
    const off = rows.filter((t) => Math.abs(t.difference) >= 0.01);
    if (off.length === 0) return;
    lines.push('', `${title} (mois où les deux côtés diffèrent) :`);
    for (const t of off)
      lines.push(
        `  ${t.key.padEnd(12)} ${t.month}  BatiSimply ${h(t.batisimply)} h, SuiviMO ${h(t.batigest)} h, écart ${h(t.difference)} h, expliqué ${h(t.expliquee)} h`,
      );
  };
  totals('Par chantier', r.totals.parChantier);
  totals('Par salarié', r.totals.parSalarie);
  return lines.join('\n');
}

const cell = (v: unknown) => {
  const text = v === undefined || v === null ? '' : String(v);
  // Spreadsheets run cells that start with these: keep them text.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d/.test(text) ? `'${text}` : text;
  return /[";\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** One line per difference, `;`-separated (what a French spreadsheet opens directly). */
export function formatAuditCsv(r: AuditReport): string {
  const header = ['type', 'libelle', 'cle', 'chantier', 'salarie', 'date', 'heures_batisimply', 'heures_batigest', 'explication', 'action'];
  const rows = r.findings.map((f) => [
    f.kind,
    KIND_LABELS[f.kind],
    f.key,
    f.chantier,
    f.salarie,
    f.date,
    f.heuresBatisimply,
    f.heuresBatigest,
    f.message,
    f.action,
  ]);
  return [header, ...rows].map((row) => row.map(cell).join(';')).join('\r\n') + '\r\n';
}
