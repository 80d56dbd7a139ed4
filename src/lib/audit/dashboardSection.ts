/**
 * The dashboard's audit section: the audit reads all three systems, so it runs when the operator
 * asks (a button), not on every page load. Values are set with textContent only.
 */
import { KIND_LABELS } from './types.js';

export function auditSection(): string {
  return `<h2>Audit Batigest ⇄ BatiSimply</h2>
<div class="job"><span>Chaque différence expliquée, avec son remède (lecture seule)</span>
<button id="audit-run">Lancer l'audit</button><a id="audit-csv" href="#">Télécharger en CSV</a></div>
<div id="audit-summary" class="empty">—</div><ul id="audit-findings"></ul>
<script>
(function () {
  var LABELS = ${JSON.stringify(KIND_LABELS).replaceAll('<', '\\u003c')};
  var key = new URLSearchParams(location.search).get('code');
  var base = location.pathname.replace(/\\/dashboard\\/?$/, '');
  function url(extra) {
    var q = new URLSearchParams(extra || {});
    if (key) q.set('code', key);
    return base + '/audit?' + q.toString();
  }
  var summary = document.getElementById('audit-summary');
  var list = document.getElementById('audit-findings');
  document.getElementById('audit-csv').setAttribute('href', url({ format: 'csv' }));
  document.getElementById('audit-run').addEventListener('click', function () {
    summary.textContent = 'Audit en cours…';
    list.textContent = '';
    fetch(url()).then(function (r) { return r.json(); }).then(function (a) {
      if (!a.summary) { summary.textContent = a.message || 'Audit impossible.'; return; }
      var s = a.summary, lines = [
        'Du ' + a.window.from + ' au ' + a.window.to + ' (exclu) : ' + s.differences + ' différence(s).',
        'Heures validées BatiSimply ' + s.heures.batisimply + ' h, SuiviMO ' + s.heures.batigest + ' h, écart ' + s.heures.difference + ' h.',
        'Heures inexpliquées : ' + s.heures.inexpliquees
      ];
      Object.keys(s.parType).forEach(function (k) { lines.push('  ' + s.parType[k] + ' ' + (LABELS[k] || k)); });
      summary.textContent = lines.join('\\n');
      summary.style.whiteSpace = 'pre-wrap';
      a.findings.forEach(function (f) {
        var li = document.createElement('li');
        li.textContent = f.message + ' → ' + f.action;
        list.appendChild(li);
      });
    }).catch(function (err) { summary.textContent = 'Échec de l’appel : ' + err; });
  });
})();
</script>`;
}
