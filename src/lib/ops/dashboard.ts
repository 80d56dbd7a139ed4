/**
 * The operator's page: French, self-contained (no external asset), every value from a database or
 * an API escaped server-side (escape-html) and set with textContent client-side.
 */
import escapeHtml from 'escape-html';
import { auditSection } from '../audit/dashboardSection.js';
import { MASS_DELETE_KEY } from '../sync/recupHeures.js';
import { frenchTime, operatorTimeZone } from './frenchTime.js';

export { frenchTime };
import type { StatusReport } from './status.js';
import { FINISHED_STATUSES, STATUS_FR } from '../domain/runs.js';
import { JOB_LABELS, JOB_NAMES } from '../sync/registry.js';

const e = (value: unknown) => escapeHtml(value === null || value === undefined ? '' : String(value));

/** A cell already made of escaped HTML (a coloured status label). */
class Html {
  constructor(readonly html: string) {}
}

/** A status is a coloured badge that also reads as text (never colour alone). */
function statusBadge(status: string): Html {
  return new Html(`<span class="st st-${e(status)}">${e(STATUS_FR[status as keyof typeof STATUS_FR] ?? status)}</span>`);
}

function table(headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c instanceof Html ? c.html : e(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function renderDashboard(status: StatusReport, timeZone = 'Europe/Paris'): string {
  const at = (iso: string | null | undefined) => frenchTime(iso, timeZone);
  const connections = (status.connections ?? [])
    .map((c) => `<li class="${c.ok ? 'ok' : 'ko'}">${c.ok ? '✔' : '✘'} ${e(c.message)}</li>`)
    .join('');
  const runs = table(
    ['Job', 'Statut', 'Début', 'Lus', 'Créés', 'Mis à jour', 'Supprimés', 'Inchangés', 'Échecs', 'Retenus'],
    status.lastRuns.map((r) => [
      r.job + (r.dryRun ? ' (simulation)' : ''),
      statusBadge(r.status),
      at(r.startedAt),
      r.counts.read ?? 0,
      r.counts.created ?? 0,
      r.counts.updated ?? 0,
      r.counts.deleted ?? 0,
      r.counts.unchanged ?? 0,
      r.counts.failed ?? 0,
      r.counts.held ?? 0,
    ]),
    'Aucune exécution pour l’instant.',
  );
  const held = table(
    ['Job', 'Enregistrement', 'Raison', 'Tentatives', 'Vu la première fois', 'Dernière fois'],
    status.held.map((h) => [h.job, h.key, h.message, h.attempts, at(h.firstSeen), at(h.lastSeen)]),
    'Aucun enregistrement retenu.',
  );
  // recup-heures held the deletions of a window that came back mostly empty: the operator confirms here.
  const massDelete = status.held.find((h) => h.key === MASS_DELETE_KEY);
  const confirmMassDelete = massDelete
    ? `<div id="mass-delete" class="ko"><p>${e(massDelete.message)}</p>
<button data-job="recup-heures" data-allow-mass-delete="1">Confirmer les suppressions de créneaux et relancer recup-heures</button></div>`
    : '';
  const failed = table(
    ['Job', 'Enregistrement', 'Code', 'Message', 'Tentatives'],
    status.failed.map((f) => [f.job, f.key, f.code, f.message, f.attempts]),
    'Aucun enregistrement en échec.',
  );
  const errors = table(
    ['Quand', 'Job', 'Clé', 'Code', 'Message'],
    status.recentErrors.map((x) => [at(x.at), x.job, x.key, x.code, x.message]),
    'Aucune erreur récente.',
  );
  // Where nobody watches the server, what needs someone comes first.
  const alerts = (status.alerts ?? [])
    .map((a) => `<li>⚠ ${e(a.message)} <span class="since">(depuis le ${e(at(a.openedAt))})</span></li>`)
    .join('');
  const banner = alerts ? `<div id="alerts" class="banner ko" role="alert"><ul>${alerts}</ul></div>` : '';
  const agent = status.agent
    ? `<p id="agent" class="${status.agent.silent || status.agent.agents.some((a) => a.versionMismatch) ? 'ko' : 'ok'}">${e(status.agent.message)}</p>`
    : '';
  const buttons = JOB_NAMES.map(
    (job) => `<div class="job"><span>${e(JOB_LABELS[job])}</span>
      <button data-job="${e(job)}">Lancer ${e(job)}</button>
      <button data-job="${e(job)}" data-dry="1" class="dry">Simuler</button></div>`,
  ).join('');
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Connecteur SAGES — tableau de bord</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#f6f8fa}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
table{border-collapse:collapse;background:#fff;width:100%;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4}.ok{color:#1a7f37}.ko{color:#cf222e}.empty{color:#57606a}
.job{display:flex;gap:.5rem;align-items:center;margin:.2rem 0}.job span{min-width:18rem}
button{padding:.25rem .7rem;cursor:pointer}button.dry{background:#fff}
.banner{background:#ffebe9;border:1px solid #cf222e;padding:.2rem .8rem;margin:.6rem 0}.banner ul{margin:.4rem 0;padding-left:1rem}
.since{color:#57606a;font-size:.85rem}#agent{font-weight:600}
#result{white-space:pre-wrap;background:#fff;border:1px solid #d0d7de;padding:.6rem;min-height:2rem}
.pending{display:flex;gap:2rem}
.st{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-weight:600;font-size:.85rem}
.st-succeeded{background:#dafbe1;color:#116329}.st-partial{background:#fff8c5;color:#7d4e00}
.st-failed,.st-interrupted{background:#ffebe9;color:#a40e26}.st-running,.st-queued{background:#ddf4ff;color:#0a3069}
.st-skipped{background:#eaeef2;color:#424a53}
</style></head><body>
<h1>Connecteur SAGES — Batigest ⇄ BatiSimply</h1>
${banner}${agent}
<p>État au ${e(at(status.generatedAt))} (heure de ${e(timeZone)})</p>
<h2>Connexions</h2><ul id="connections"${connections ? '' : ' data-pending="1"'}>${connections || '<li class="empty">Test des connexions en cours…</li>'}</ul>
<h2>En attente</h2><div class="pending">
<div>Chantiers à envoyer : <strong id="pending-chantiers">${e(status.pending.chantiers)}</strong></div>
<div>Créneaux horaires à exporter : <strong id="pending-heures">${e(status.pending.heures)}</strong></div>
<div>Créneaux retenus : <strong id="pending-held">${e(status.pending.heuresHeld)}</strong></div></div>
<h2>Lancer un job</h2><div id="jobs">${buttons}</div>
<h2>Résultat</h2><div id="progress"></div><div id="result">—</div>
<h2>Dernières exécutions</h2><div id="runs">${runs}</div>
<h2>Enregistrements retenus</h2>${confirmMassDelete}<div id="held">${held}</div>
<h2>Enregistrements en échec</h2>${failed}
<h2>Erreurs récentes</h2>${errors}
${auditSection()}
<script>
(function () {
  var params = new URLSearchParams(location.search);
  var key = params.get('code');
  var base = location.pathname.replace(/\\/dashboard\\/?$/, '');
  function url(path, extra) {
    var q = new URLSearchParams(extra || {});
    if (key) q.set('code', key);
    if (params.get('company')) q.set('company', params.get('company'));
    var s = q.toString();
    return base + '/' + path + (s ? '?' + s : '');
  }
  var result = document.getElementById('result');
  var progress = document.getElementById('progress');
  var STATUS = ${JSON.stringify(STATUS_FR)};
  var FINISHED = ${JSON.stringify(FINISHED_STATUSES)};
  function fr(status) { return STATUS[status] || status; }
  var ACTIONS = { create: 'création', update: 'mise à jour', delete: 'suppression', unchanged: 'inchangé', hold: 'retenu', fail: 'échec' };
  function summary(r) {
    if (r.steps) return r.job + ' : ' + fr(r.status) + '\\n' + r.steps.map(summary).join('\\n');
    if (!r.counts) return r.message || JSON.stringify(r);
    var c = r.counts, lines = [r.job + (r.dryRun ? ' (simulation)' : '') + ' : ' + fr(r.status) +
      ' — lus ' + c.read + ', créés ' + c.created + ', mis à jour ' + c.updated + ', supprimés ' + c.deleted +
      ', inchangés ' + c.unchanged + ', en échec ' + c.failed + ', retenus ' + c.held];
    (r.errors || []).slice(0, 20).forEach(function (x) { lines.push('  • ' + x.key + ' [' + x.code + '] ' + x.message); });
    var changes = (r.records || []).filter(function (x) { return x.action !== 'unchanged'; });
    if (changes.length) lines.push(r.dryRun ? '  Actions prévues :' : '  Actions :');
    changes.slice(0, 50).forEach(function (x) {
      var detail = [x.fields && x.fields.length ? 'champs : ' + x.fields.join(', ') : '', x.reason || ''].filter(Boolean).join(' — ');
      lines.push('    ' + (ACTIONS[x.action] || x.action) + ' ' + x.key + (detail ? ' (' + detail + ')' : ''));
    });
    if (changes.length > 50) lines.push('    … et ' + (changes.length - 50) + ' autres');
    var omitted = Object.keys(r.recordsOmitted || {}).filter(function (a) { return a !== 'unchanged'; });
    if (omitted.length) lines.push('    Comptés sans être listés : ' + omitted.map(function (a) { return (ACTIONS[a] || a) + ' ' + r.recordsOmitted[a]; }).join(', '));
    return lines.join('\\n');
  }
  var polling = null;
  function poll() {
    fetch(url('status')).then(function (r) { return r.json(); }).then(function (s) {
      var running = (s.running || []).filter(function (r) { return r.progress; });
      progress.textContent = running.map(function (r) {
        return r.job + ' en cours : ' + r.progress.done + '/' + r.progress.total;
      }).join(' · ');
    }).catch(function () {});
  }
  var list = document.getElementById('connections');
  if (list.hasAttribute('data-pending')) {
    // Checks can take seconds (an unreachable server): the page shows first, the health follows.
    fetch(url('status', { check: 'true' })).then(function (r) { return r.json(); }).then(function (s) {
      list.textContent = '';
      (s.connections || []).forEach(function (c) {
        var li = document.createElement('li');
        li.className = c.ok ? 'ok' : 'ko';
        li.textContent = (c.ok ? '✔ ' : '✘ ') + c.message;
        list.appendChild(li);
      });
    }).catch(function () { list.textContent = 'Test des connexions impossible.'; });
  }
  // A run on the queue: its report is read again until it has finished.
  function follow(runId) {
    return new Promise(function (resolve, reject) {
      function again() {
        fetch(url('runs/' + runId)).then(function (r) { return r.json(); }).then(function (v) {
          if (FINISHED.indexOf(v.status) >= 0) return resolve(v);
          result.textContent = v.job + ' : ' + fr(v.status) + '…';
          setTimeout(again, 1000);
        }).catch(reject);
      }
      again();
    });
  }
  document.querySelectorAll('button[data-job]').forEach(function (b) {
    b.addEventListener('click', function () {
      var job = b.getAttribute('data-job'), dry = b.hasAttribute('data-dry');
      var extra = dry ? { dryRun: 'true' } : b.hasAttribute('data-allow-mass-delete') ? { allowMassDelete: 'true' } : {};
      result.textContent = 'Exécution de ' + job + (dry ? ' (simulation)' : '') + '…';
      polling = setInterval(poll, 1500);
      fetch(url(job, extra), { method: 'POST' })
        .then(function (r) { return r.json().then(function (b) { return r.status === 202 ? follow(b.runId) : b; }); })
        .then(function (r) { result.textContent = summary(r); })
        .catch(function (err) { result.textContent = 'Échec de l’appel : ' + err; })
        .finally(function () { clearInterval(polling); progress.textContent = ''; });
    });
  });
})();
</script>
</body></html>`;
}

/** The zone the dashboard shows times in: SYNC_TIMEZONE, or Paris while that setting is unreadable. */
export const dashboardTimeZone = operatorTimeZone;
