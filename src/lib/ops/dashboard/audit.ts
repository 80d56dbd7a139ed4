/**
 * The dashboard's audit section: the audit reads all three systems, so it runs when the operator
 * asks (a button), not on every page load. Its findings come with their remedy, and a « Renvoyer »
 * button where the remedy is to send the record again (POST /api/chantiers/{code}/renvoyer…).
 */
export function auditSection(): string {
  return `<section id="audit"><h2>Audit Batigest ⇄ BatiSimply</h2>
<div class="job"><span class="what">Chaque différence expliquée, avec son remède (lecture seule)</span>
<button id="audit-run">Lancer l'audit</button><a id="audit-csv" href="#">Télécharger en CSV</a></div>
<div id="audit-summary" class="empty">—</div><ul id="audit-findings"></ul></section>`;
}
