/** Plain-text renderings of reports and status for the terminal (French, like every operator text). */
import type { LoadedSettings, SettingSource } from '../lib/config.js';
import type { StatusReport } from '../lib/ops/status.js';
import { isChainReport, STATUS_FR, type AnyReport, type RunReport } from '../lib/sync/report.js';

function countsLine(r: Pick<RunReport, 'counts'>): string {
  const c = r.counts;
  return `lus ${c.read ?? 0}, créés ${c.created ?? 0}, mis à jour ${c.updated ?? 0}, supprimés ${c.deleted ?? 0}, inchangés ${c.unchanged ?? 0}, en échec ${c.failed ?? 0}, retenus ${c.held ?? 0}`;
}

function stepText(r: RunReport): string {
  const lines = [`${r.job}${r.dryRun ? ' (simulation)' : ''} : ${STATUS_FR[r.status] ?? r.status} — ${countsLine(r)}`];
  for (const e of r.errors.slice(0, 20)) lines.push(`  • ${e.key} [${e.code}] ${e.message}`);
  if (r.errors.length > 20) lines.push(`  … et ${r.errors.length - 20} autres`);
  for (const w of r.warnings ?? []) lines.push(`  ⚠ ${w.key} [${w.code}] ${w.message}`);
  return lines.join('\n');
}

export function formatReport(report: AnyReport): string {
  if (!isChainReport(report)) return stepText(report);
  return [`${report.job} : ${STATUS_FR[report.status] ?? report.status}`, ...report.steps.map(stepText)].join('\n');
}

export function formatStatus(s: StatusReport): string {
  const lines: string[] = [];
  if (s.connections) {
    lines.push('Connexions :');
    for (const c of s.connections) lines.push(`  ${c.ok ? '✔' : '✘'} ${c.message}`);
  }
  lines.push('Dernières exécutions :');
  if (s.lastRuns.length === 0) lines.push('  (aucune)');
  for (const r of s.lastRuns) {
    const label = `${STATUS_FR[r.status] ?? r.status}${r.dryRun ? ' (simulation)' : ''}`;
    lines.push(`  ${r.job.padEnd(20)} ${label.padEnd(22)} ${r.startedAt}  ${countsLine(r as unknown as RunReport)}`);
    if (r.status === 'failed') lines.push(`      pourquoi : ${r.message ?? r.errors[0]?.message ?? 'raison inconnue'}`);
  }
  lines.push(`En attente : ${s.pending.chantiers} chantier(s) à envoyer, ${s.pending.heures} heure(s) à exporter dont ${s.pending.heuresHeld} retenue(s).`);
  if (s.held.length > 0) {
    lines.push('Retenus :');
    for (const h of s.held) lines.push(`  ${h.job} ${h.key} [${h.code}] ${h.message} (${h.attempts} tentative(s))`);
  }
  if (s.failed.length > 0) {
    lines.push('En échec :');
    for (const f of s.failed) lines.push(`  ${f.job} ${f.key} [${f.code}] ${f.message} (${f.attempts} tentative(s))`);
  }
  return lines.join('\n');
}

/** Where each setting came from, without any value. */
export function formatSources(loaded: LoadedSettings, sources: { setting: string; source: SettingSource }[]): string {
  const lines = [`Réglages (environnement, puis ${loaded.file ?? 'local.settings.json (absent)'}, puis défaut) :`];
  for (const s of sources) lines.push(`  ${s.setting.padEnd(40)} ${s.source}`);
  return lines.join('\n');
}
