/**
 * The dashboard's script, inline (the page loads nothing from elsewhere): runs a job from its
 * buttons and follows it, disables a job's buttons while it runs or waits in the queue and shows
 * its progress with its unit, refreshes every section once a run ends, runs the audit on demand
 * with its « Renvoyer » buttons, and switches companies. Values are set with textContent only.
 */
import { KIND_LABELS } from '../../audit/types.js';
import { FINISHED_STATUSES, STATUS_FR } from '../../domain/runs.js';
import { scriptJson } from './html.js';
import { PROGRESS_UNITS } from './sections.js';

export function dashboardScript(): string {
  return `<script>
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
  var STATUS = ${scriptJson(STATUS_FR)};
  var FINISHED = ${scriptJson(FINISHED_STATUSES)};
  var UNITS = ${scriptJson(PROGRESS_UNITS)};
  var LABELS = ${scriptJson(KIND_LABELS)};
  function fr(status) { return STATUS[status] || status; }
  function $(id) { return document.getElementById(id); }
  var ACTIONS = { create: 'création', update: 'mise à jour', delete: 'suppression', unchanged: 'inchangé', hold: 'retenu', fail: 'échec' };
  function summary(r) {
    if (r.steps) return r.job + ' : ' + fr(r.status) + '\\n' + r.steps.map(summary).join('\\n');
    if (!r.counts) return r.message || JSON.stringify(r);
    var c = r.counts, lines = [r.job + (r.dryRun ? ' (simulation)' : '') + ' : ' + fr(r.status) +
      ' — lus ' + c.read + ', créés ' + c.created + ', mis à jour ' + c.updated + ', supprimés ' + c.deleted +
      ', inchangés ' + c.unchanged + ', en échec ' + c.failed + ', retenus ' + c.held];
    if (r.message && r.status !== 'succeeded') lines.push('  ' + r.message);
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
  function progressText(r) {
    var p = r.progress, unit = UNITS[p.step || r.job] || '';
    if (unit === '%') return Math.min(100, Math.floor((p.done * 100) / Math.max(1, p.total))) + ' %';
    return p.done + '/' + p.total + (unit ? ' ' + unit : '');
  }

  // Every section again, from the page itself: what the server renders is the one truth.
  var refreshes = 0;
  function refresh() {
    return fetch(url('dashboard')).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, 'text/html');
      document.querySelectorAll('[data-section]').forEach(function (el) {
        var next = fresh.querySelector('[data-section="' + el.getAttribute('data-section') + '"]');
        if (next) el.replaceWith(document.importNode(next, true));
      });
      document.body.setAttribute('data-refreshes', String(++refreshes));
    }).catch(function () {});
  }

  // The jobs that run or wait, ours and others': their buttons stay disabled, their progress shows.
  var mine = {};
  var seen = {};
  var polling = null;
  function setActive(active) {
    document.querySelectorAll('button[data-job]').forEach(function (b) { b.disabled = !!active[b.getAttribute('data-job')]; });
    document.querySelectorAll('[data-progress]').forEach(function (el) {
      var r = active[el.getAttribute('data-progress')];
      el.textContent = !r ? '' : r.status === 'queued' ? fr('queued') : r.progress ? 'en cours : ' + progressText(r) : fr(r.status) + '…';
    });
    var lines = [];
    Object.keys(active).forEach(function (job) { var r = active[job]; if (r.progress) lines.push(job + ' en cours : ' + progressText(r)); });
    $('progress').textContent = lines.join(' · ');
  }
  function poll() {
    return fetch(url('status')).then(function (r) { return r.json(); }).then(function (s) {
      var active = {};
      (s.queued || []).concat(s.running || []).forEach(function (r) { active[r.job] = r; if (r.progress && r.progress.step) active[r.progress.step] = r; });
      Object.keys(mine).forEach(function (job) { if (!active[job]) active[job] = { job: job, status: 'running' }; });
      setActive(active);
      var ended = Object.keys(seen).some(function (job) { return !active[job]; });
      seen = active;
      if (ended) refresh();
      return Object.keys(active).length > 0;
    }).catch(function () { return true; });
  }
  function keepPolling() {
    if (polling) return;
    polling = setInterval(function () {
      poll().then(function (more) { if (!more) { clearInterval(polling); polling = null; } });
    }, 1000);
  }

  var list = $('connections');
  if (list && list.hasAttribute('data-pending')) {
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
          $('result').textContent = v.job + ' : ' + fr(v.status) + '…';
          setTimeout(again, 1000);
        }).catch(reject);
      }
      again();
    });
  }
  function runJob(b) {
    var job = b.getAttribute('data-job'), dry = b.hasAttribute('data-dry');
    var extra = dry ? { dryRun: 'true' } : b.hasAttribute('data-allow-mass-delete') ? { allowMassDelete: 'true' } : {};
    mine[job] = true;
    var active = {}; Object.keys(seen).forEach(function (j) { active[j] = seen[j]; }); active[job] = { job: job, status: 'running' };
    setActive(active);
    $('result').textContent = 'Exécution de ' + job + (dry ? ' (simulation)' : '') + '…';
    keepPolling();
    fetch(url(job, extra), { method: 'POST' })
      .then(function (r) { return r.json().then(function (body) { return r.status === 202 ? follow(body.runId) : body; }); })
      .then(function (r) { $('result').textContent = summary(r); })
      .catch(function (err) { $('result').textContent = 'Échec de l’appel : ' + err; })
      .finally(function () { delete mine[job]; return refresh().then(poll); });
  }

  function runAudit() {
    var summaryEl = $('audit-summary'), findings = $('audit-findings');
    summaryEl.textContent = 'Audit en cours…';
    summaryEl.className = 'empty';
    findings.textContent = '';
    fetch(url('audit')).then(function (r) { return r.json(); }).then(function (a) {
      if (!a.summary) { summaryEl.textContent = 'Audit impossible : ' + (a.message || 'raison inconnue.'); summaryEl.className = 'error'; return; }
      var s = a.summary, lines = [
        'Du ' + a.window.from + ' au ' + a.window.to + ' (exclu) : ' + s.differences + ' différence(s).',
        'Heures validées BatiSimply ' + s.heures.batisimply + ' h, SuiviMO ' + s.heures.batigest + ' h, écart ' + s.heures.difference + ' h.',
        'Heures inexpliquées : ' + s.heures.inexpliquees
      ];
      Object.keys(s.parType).forEach(function (k) { lines.push('  ' + s.parType[k] + ' ' + (LABELS[k] || k)); });
      summaryEl.textContent = lines.join('\\n');
      summaryEl.style.whiteSpace = 'pre-wrap';
      a.findings.forEach(function (f) {
        var li = document.createElement('li');
        li.textContent = f.message + ' → ' + f.action;
        if (f.resend) {
          var b = document.createElement('button');
          b.textContent = 'Renvoyer';
          b.setAttribute('data-resend-kind', f.resend.kind);
          b.setAttribute('data-resend-key', f.resend.key);
          li.appendChild(document.createTextNode(' '));
          li.appendChild(b);
        }
        findings.appendChild(li);
      });
    }).catch(function (err) { summaryEl.textContent = 'Audit impossible : ' + err; summaryEl.className = 'error'; });
  }
  function resend(b) {
    var kind = b.getAttribute('data-resend-kind'), k = b.getAttribute('data-resend-key');
    b.disabled = true;
    fetch(url((kind === 'chantier' ? 'chantiers/' : 'heures/') + encodeURIComponent(k) + '/renvoyer'), { method: 'POST' })
      .then(function (r) { return r.json(); })
      .then(function (o) { var note = document.createElement('span'); note.className = 'detail'; note.textContent = ' ' + o.message; b.replaceWith(note); refresh(); })
      .catch(function (err) { b.disabled = false; b.textContent = 'Renvoyer (échec : ' + err + ')'; });
  }

  var guide = $('guide-link');
  if (guide) guide.setAttribute('href', url('guide'));
  var csv = $('audit-csv');
  if (csv) csv.setAttribute('href', url('audit', { format: 'csv' }));
  document.addEventListener('click', function (event) {
    var b = event.target.closest && event.target.closest('button');
    if (!b || b.disabled) return;
    if (b.hasAttribute('data-job')) runJob(b);
    else if (b.id === 'audit-run') runAudit();
    else if (b.hasAttribute('data-resend-kind')) resend(b);
  });
  var picker = $('company-picker');
  if (picker) picker.addEventListener('change', function () {
    var q = new URLSearchParams(location.search);
    q.set('company', picker.value);
    location.search = q.toString();
  });
  // Runs already under way when the page loaded: followed like ours.
  if (document.querySelector('button[data-job]:disabled')) poll().then(function (more) { if (more) keepPolling(); });
})();
</script>`;
}
