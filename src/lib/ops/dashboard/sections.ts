/** The dashboard's sections, each from the status report: what the script swaps when a run ends. */
import { codeEntry } from '../../domain/codes.js';
import { STATUS_FR } from '../../domain/runs.js';
import { MASS_DELETE_KEY } from '../../sync/recupHeures.js';
import { JOB_LABELS, JOB_NAMES, STEPS, type JobName } from '../../sync/registry.js';
import { frenchTime } from '../../time.js';
import type { DashboardCharts } from '../charts.js';
import type { StatusReport } from '../status.js';
import type { RunRow } from '../../staging/runs.js';
import { durationText, hoursChart, runsChart } from './chart.js';
import { e, Html, section, statusBadge, table } from './html.js';

export interface SectionContext {
  status: StatusReport;
  timeZone: string;
  charts?: DashboardCharts;
}

const at = (c: SectionContext, iso: string | null | undefined) => frenchTime(iso, c.timeZone);

export function connectionsSection(c: SectionContext): string {
  const items = (c.status.connections ?? [])
    .map((x) => `<li class="${x.ok ? 'ok' : 'ko'}">${x.ok ? '✔' : '✘'} ${e(x.message)}</li>`)
    .join('');
  // Checks can take seconds (an unreachable server): the page shows first, the health follows.
  return `<section id="connections-section"><h2>Connexions</h2><ul id="connections"${items ? '' : ' data-pending="1"'}>${
    items || '<li class="empty">Test des connexions en cours…</li>'
  }</ul></section>`;
}

export function pendingSection(c: SectionContext): string {
  const p = c.status.pending;
  const queued = c.status.queued ?? [];
  const waiting = queued.length
    ? `<p id="queued">${queued
        .map((r) => `En file d’attente : ${e(r.job)} depuis le ${e(at(c, r.startedAt))} (exécution ${e(r.runId)})`)
        .join('<br>')}</p>`
    : '';
  return section(
    'pending',
    'En attente',
    `<div class="pending">
<div>Chantiers à envoyer : <strong id="pending-chantiers">${e(p.chantiers)}</strong></div>
<div>Créneaux horaires à exporter vers SuiviMO : <strong id="pending-heures">${e(p.heures)}</strong></div>
<div>dont retenus : <strong id="pending-held">${e(p.heuresHeld)}</strong></div>
<div>À part, pas encore validés dans BatiSimply : <strong id="pending-not-validated">${e(p.heuresNotValidated)}</strong></div></div>${waiting}`,
  );
}

/** How a job's progress reads: "14/101 créneaux", "45 %". */
export const PROGRESS_UNITS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(STEPS).map(([name, step]) => [name, step.progressUnit]),
);

/** A job's buttons: « Lancer » and « Simuler », the job's French label beside its name. */
export function jobsSection(c: SectionContext): string {
  const active = new Set([...c.status.running, ...(c.status.queued ?? [])].map((r) => r.job));
  const row = (job: JobName) => {
    const busy = active.has(job) ? ' disabled' : '';
    const what = JOB_LABELS[job];
    return `<div class="job" data-job-row="${e(job)}"><span class="what">${e(what)} <code>${e(job)}</code></span>
<button data-job="${e(job)}" aria-label="Lancer : ${e(what)}"${busy}>Lancer</button>
<button data-job="${e(job)}" data-dry="1" class="dry" aria-label="Simuler : ${e(what)}"${busy}>Simuler</button>
<span class="progress" data-progress="${e(job)}" aria-live="polite"></span></div>`;
  };
  return `<section id="jobs-section"><h2>Lancer un job</h2><div id="jobs">${JOB_NAMES.map(row).join('')}</div></section>
<section id="result-section"><h2>Résultat</h2><div id="progress" aria-live="polite"></div><div id="result">—</div></section>`;
}

/** Why a run did not succeed: its message (interrupted, failed, skipped), else its first error. */
function runDetail(r: RunRow): string {
  if (r.status === 'succeeded' || r.status === 'running' || r.status === 'queued') return '';
  return r.message ?? r.errors[0]?.message ?? '';
}

function countsText(r: RunRow): string {
  const labels: [keyof RunRow['counts'], string][] = [
    ['read', 'lus'],
    ['created', 'créés'],
    ['updated', 'mis à jour'],
    ['deleted', 'supprimés'],
    ['unchanged', 'inchangés'],
    ['failed', 'en échec'],
    ['held', 'retenus'],
  ];
  const parts = labels.filter(([k]) => (r.counts[k] ?? 0) > 0).map(([k, label]) => `${label} ${r.counts[k]}`);
  return parts.join(' · ') || 'rien à faire';
}

export function runsSection(c: SectionContext): string {
  const rows = c.status.lastRuns.map((r) => [
    new Html(`${e(r.job)}${r.dryRun ? ' <span class="detail">(simulation)</span>' : ''}`),
    statusBadge(r.status),
    at(c, r.startedAt),
    r.finishedAt ? durationText(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '',
    countsText(r),
    new Html(`<span class="detail">${e(runDetail(r))}</span>`),
  ]);
  return section(
    'runs',
    'Dernières exécutions',
    table(['Job', 'Statut', 'Début', 'Durée', 'Résultat', 'Pourquoi'], rows, 'Aucune exécution pour l’instant.'),
  );
}

const remedy = (code: string) => codeEntry(code)?.remedy ?? '';

export function heldSection(c: SectionContext): string {
  // recup-heures held the deletions of a window that came back mostly empty: the operator confirms here.
  const massDelete = c.status.held.find((h) => h.key === MASS_DELETE_KEY);
  const confirm = massDelete
    ? `<div id="mass-delete" class="ko"><p>${e(massDelete.message)}</p>
<button data-job="recup-heures" data-allow-mass-delete="1">Confirmer les suppressions de créneaux et relancer recup-heures</button></div>`
    : '';
  const held = table(
    ['Job', 'Enregistrement', 'Code', 'Raison', 'Que faire', 'Tentatives', 'Première fois', 'Dernière fois'],
    c.status.held.map((h) => [h.job, h.key, h.code, h.message, remedy(h.code), h.attempts, at(c, h.firstSeen), at(c, h.lastSeen)]),
    'Aucun enregistrement retenu.',
  );
  return section('held-section', 'Enregistrements retenus', `${confirm}<div id="held">${held}</div>`);
}

export function failedSection(c: SectionContext): string {
  return section(
    'failed',
    'Enregistrements en échec',
    table(
      ['Job', 'Enregistrement', 'Code', 'Message', 'Que faire', 'Tentatives'],
      c.status.failed.map((f) => [f.job, f.key, f.code, f.message, remedy(f.code), f.attempts]),
      'Aucun enregistrement en échec.',
    ),
  );
}

/** Per job, the runs ended failed or interrupted since its last success, each with its reason. */
export function healthSection(c: SectionContext): string {
  const rows = (c.status.health ?? []).flatMap((h) =>
    h.since.map((b) => [
      h.job,
      h.lastSuccess ? at(c, h.lastSuccess.at) : 'jamais',
      at(c, b.at),
      `${STATUS_FR[b.status]}${b.reclaimed ? ' (verrou périmé repris)' : ''}`,
      b.reason,
    ]),
  );
  return section(
    'health',
    'Depuis la dernière réussite',
    table(
      ['Job', 'Dernière réussite', 'Quand', 'Fin', 'Raison'],
      rows,
      'Aucune exécution en échec ou interrompue depuis la dernière réussite.',
    ),
  );
}

export function errorsSection(c: SectionContext): string {
  return section(
    'errors',
    'Erreurs récentes',
    table(
      ['Quand', 'Job', 'Clé', 'Code', 'Message'],
      c.status.recentErrors.map((x) => [at(c, x.at), x.job, x.key, x.code, x.message]),
      'Aucune erreur récente.',
    ),
  );
}

export function picturesSection(c: SectionContext): string {
  if (!c.charts) return '';
  return section('pictures', 'Heures et exécutions', `<div class="pictures">${hoursChart(c.charts)}${runsChart(c.charts)}</div>`);
}

/** Statuses in French for the script. */
export const STATUS_LABELS = STATUS_FR;

/** Where nobody watches the server, what needs someone comes first: the open alerts, then the on-site agent. */
export function alertsAndAgent(c: SectionContext): string {
  const alerts = (c.status.alerts ?? [])
    .map((a) => `<li>⚠ ${e(a.message)} <span class="since">(depuis le ${e(frenchTime(a.openedAt, c.timeZone))})</span></li>`)
    .join('');
  const banner = alerts ? `<div id="alerts" class="banner ko" role="alert"><ul>${alerts}</ul></div>` : '';
  const agent = c.status.agent;
  const line = agent
    ? `<p id="agent" class="${agent.silent || agent.agents.some((a) => a.versionMismatch) ? 'ko' : 'ok'}">${e(agent.message)}</p>`
    : '';
  return `${banner}${line}`;
}
