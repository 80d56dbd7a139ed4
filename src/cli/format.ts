/** Plain-text renderings of reports and status for the terminal (French, like every operator text). */
import type { LoadedSettings, SettingSource } from '../lib/config.js';
import type { StatusReport } from '../lib/ops/status.js';
import { frenchTime } from '../lib/ops/frenchTime.js';
import { isChainReport, STATUS_FR, type AnyReport, type RecordAction, type RunReport } from '../lib/domain/runs.js';

const ACTION_FR: Record<RecordAction, string> = {
  create: 'création',
  update: 'mise à jour',
  delete: 'suppression',
  unchanged: 'inchangé',
  hold: 'retenu',
  fail: 'échec',
};
const MAX_RECORDS = 50;

/** Each record's action (planned in a dry run), unchanged ones left out of the text. */
function recordLines(r: RunReport): string[] {
  const changes = (r.records ?? []).filter((x) => x.action !== 'unchanged');
  if (changes.length === 0) return [];
  const lines = [r.dryRun ? '  Actions prévues :' : '  Actions :'];
  for (const x of changes.slice(0, MAX_RECORDS)) {
    const detail = [x.fields?.length ? `champs : ${x.fields.join(', ')}` : '', x.reason ?? ''].filter(Boolean).join(' — ');
    lines.push(`    ${ACTION_FR[x.action].padEnd(12)} ${x.key}${detail ? ` (${detail})` : ''}`);
  }
  if (changes.length > MAX_RECORDS) lines.push(`    … et ${changes.length - MAX_RECORDS} autres (--json pour la liste)`);
  const omitted = Object.entries(r.recordsOmitted ?? {}).filter(([action]) => action !== 'unchanged');
  if (omitted.length > 0) {
    lines.push(`    Comptés sans être listés : ${omitted.map(([action, n]) => `${ACTION_FR[action as RecordAction]} ${n}`).join(', ')}`);
  }
  return lines;
}

function countsLine(r: Pick<RunReport, 'counts'>): string {
  const c = r.counts;
  return `lus ${c.read ?? 0}, créés ${c.created ?? 0}, mis à jour ${c.updated ?? 0}, supprimés ${c.deleted ?? 0}, inchangés ${c.unchanged ?? 0}, en échec ${c.failed ?? 0}, retenus ${c.held ?? 0}`;
}

function stepText(r: RunReport): string {
  const lines = [`${r.job}${r.dryRun ? ' (simulation)' : ''} : ${STATUS_FR[r.status] ?? r.status} — ${countsLine(r)}`];
  for (const e of r.errors.slice(0, 20)) lines.push(`  • ${e.key} [${e.code}] ${e.message}`);
  if (r.errors.length > 20) lines.push(`  … et ${r.errors.length - 20} autres`);
  for (const w of r.warnings ?? []) lines.push(`  ⚠ ${w.key} [${w.code}] ${w.message}`);
  lines.push(...recordLines(r));
  return lines.join('\n');
}

export function formatReport(report: AnyReport): string {
  if (!isChainReport(report)) return stepText(report);
  return [`${report.job} : ${STATUS_FR[report.status] ?? report.status}`, ...report.steps.map(stepText)].join('\n');
}

/** `timeZone`: SYNC_TIMEZONE, the zone the operator reads times in (as on the dashboard). */
export function formatStatus(s: StatusReport, timeZone = 'Europe/Paris'): string {
  const lines: string[] = [];
  for (const a of s.alerts ?? []) lines.push(`⚠ ${a.message} (depuis le ${frenchTime(a.openedAt, timeZone)})`);
  if (s.agent) lines.push(s.agent.message);
  if (s.connections) {
    lines.push('Connexions :');
    for (const c of s.connections) lines.push(`  ${c.ok ? '✔' : '✘'} ${c.message}`);
  }
  lines.push('Dernières exécutions :');
  if (s.lastRuns.length === 0) lines.push('  (aucune)');
  for (const r of s.lastRuns) {
    const label = `${STATUS_FR[r.status] ?? r.status}${r.dryRun ? ' (simulation)' : ''}`;
    lines.push(`  ${r.job.padEnd(20)} ${label.padEnd(22)} ${frenchTime(r.startedAt, timeZone)}  ${countsLine(r as unknown as RunReport)}`);
    if (r.status === 'failed' || r.status === 'interrupted')
      lines.push(`      pourquoi : ${r.message ?? r.errors[0]?.message ?? 'raison inconnue'}`);
  }
  const troubled = (s.health ?? []).filter((h) => h.since.length > 0);
  if (troubled.length > 0) lines.push('Depuis la dernière réussite :');
  for (const h of troubled) {
    const last = h.lastSuccess ? `dernière réussite le ${frenchTime(h.lastSuccess.at, timeZone)}` : 'aucune réussite enregistrée';
    lines.push(`  ${h.job} : ${last}, puis ${h.since.length} exécution(s) en échec ou interrompue(s) :`);
    for (const b of h.since)
      lines.push(`      ${frenchTime(b.at, timeZone)} ${STATUS_FR[b.status]}${b.reclaimed ? ' (verrou périmé repris)' : ''} : ${b.reason}`);
  }
  for (const h of s.health ?? [])
    for (const r of h.reclaimed.filter((x) => !h.since.some((b) => b.runId === x.runId)))
      lines.push(`Verrou périmé repris : ${h.job}, exécution du ${frenchTime(r.at, timeZone)} (${r.runId}) : ${r.reason}`);
  for (const r of s.queued ?? [])
    lines.push(
      `En file d’attente : ${r.job} depuis le ${frenchTime(r.startedAt, timeZone)} (exécution ${r.runId}), en attente d’un consommateur de la file.`,
    );
  lines.push(
    `En attente : ${s.pending.chantiers} chantier(s) à envoyer, ${s.pending.heures} créneau(x) horaire(s) à exporter vers SuiviMO, dont ${s.pending.heuresHeld} retenu(s).`,
  );
  if (s.pending.heuresNotValidated > 0)
    lines.push(
      `  À part : ${s.pending.heuresNotValidated} créneau(x) pas encore validé(s) dans BatiSimply, qui n’iront dans SuiviMO qu’une fois validés.`,
    );
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
