/**
 * The operator's page: French, self-contained (no external asset), every value from a database or
 * an API escaped server-side and set with textContent client-side. Its parts: sections.ts (what the
 * status says), chart.ts (the pictures), script.ts (buttons, progress, refresh), style.ts.
 */
import type { DashboardCharts } from '../charts.js';
import type { CompanySummary } from '../companySummary.js';
import type { StatusReport } from '../status.js';
import { frenchTime } from '../../time.js';
import { auditSection } from './audit.js';
import { e } from './html.js';
import { dashboardScript } from './script.js';
import {
  alertsAndAgent,
  connectionsSection,
  errorsSection,
  healthSection,
  failedSection,
  heldSection,
  jobsSection,
  pendingSection,
  picturesSection,
  runsSection,
  type SectionContext,
} from './sections.js';
import { STYLE } from './style.js';

export interface DashboardOptions {
  timeZone: string;
  charts?: DashboardCharts;
  /** The configured companies: a picker when there are several. */
  companies?: readonly string[];
  company?: string;
}

const TITLE = 'Connecteur SAGES — tableau de bord';

/** The companies, as a picker that reloads the page on the one chosen (the script keeps the token). */
function companyPicker(companies: readonly string[] | undefined, current: string | undefined): string {
  if (!companies || companies.length < 2) return '';
  const options = [
    ...(current ? [] : ['<option value="" selected disabled>— choisir —</option>']),
    ...companies.map((c) => `<option value="${e(c)}"${c === current ? ' selected' : ''}>${e(c)}</option>`),
  ];
  return `<nav class="companies"><label for="company-picker">Société :</label><select id="company-picker">${options.join('')}</select></nav>`;
}

function page(body: string, options: { companies?: readonly string[]; company?: string }): string {
  return `<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>${TITLE}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head><body data-refreshes="0">
<header><h1>Connecteur SAGES — Batigest ⇄ BatiSimply</h1>
${companyPicker(options.companies, options.company)}
<p><a id="guide-link" href="guide">Guide de l’intégrateur : chaque code affiché, ce qu’il veut dire et que faire</a></p></header>
${body}
${dashboardScript()}
</body></html>`;
}

export function renderDashboard(status: StatusReport, given: DashboardOptions | string = 'Europe/Paris'): string {
  const options: DashboardOptions = typeof given === 'string' ? { timeZone: given } : given;
  const c: SectionContext = { status, timeZone: options.timeZone, charts: options.charts };
  const company = options.company && (options.companies?.length ?? 0) > 1 ? ` — société ${e(options.company)}` : '';
  return page(
    `${alertsAndAgent(c)}
<p>État au ${e(frenchTime(status.generatedAt, options.timeZone))} (heure de ${e(options.timeZone)})${company}</p>
${connectionsSection(c)}
${pendingSection(c)}
${jobsSection(c)}
${runsSection(c)}
${picturesSection(c)}
${heldSection(c)}
${failedSection(c)}
${healthSection(c)}
${errorsSection(c)}
${auditSection()}`,
    options,
  );
}

/** Several companies and none named: the page asks which, with each company's state in one line. */
export function renderCompanyChoice(
  companies: readonly string[],
  summaries?: readonly CompanySummary[],
  timeZone = 'Europe/Paris',
): string {
  const rows = (summaries ?? []).map(
    (s) =>
      `<tr><td><a href="?company=${encodeURIComponent(s.company)}">${e(s.company)}</a></td>` +
      `<td>${s.lastSuccess ? e(frenchTime(s.lastSuccess, timeZone)) : 'aucune'}</td>` +
      `<td class="num${s.failures > 0 ? ' st-failed' : ''}">${s.failures}</td><td class="num">${s.heldHours}</td></tr>`,
  );
  const table =
    rows.length > 0
      ? `<table id="company-summary"><thead><tr><th>Société</th><th>Dernière réussite</th><th>Échecs depuis</th><th>Heures retenues</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>`
      : '';
  return page(`<p>Plusieurs sociétés sont configurées : choisissez celle à afficher.</p>\n${table}`, { companies });
}

/** What stopped the page, as a page: a browser asking for the dashboard never gets raw JSON. */
export function renderDashboardError(message: string, options: { companies?: readonly string[]; company?: string } = {}): string {
  return page(`<p class="error" id="dashboard-error">${e(message)}</p>`, options);
}
