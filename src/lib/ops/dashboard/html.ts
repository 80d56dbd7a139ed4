/** The dashboard's HTML helpers: every value from a database or an API escaped (escape-html). */
import escapeHtml from 'escape-html';
import { STATUS_FR } from '../../domain/runs.js';

export const e = (value: unknown) => escapeHtml(value === null || value === undefined ? '' : String(value));

/** A cell already made of escaped HTML (a coloured status label, a button). */
export class Html {
  constructor(readonly html: string) {}
}

/** A status is a coloured badge that also reads as text (never colour alone). */
export function statusBadge(status: string): Html {
  return new Html(`<span class="st st-${e(status)}">${e(STATUS_FR[status as keyof typeof STATUS_FR] ?? status)}</span>`);
}

export function table(headers: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${e(empty)}</p>`;
  return `<table><thead><tr>${headers.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c instanceof Html ? c.html : e(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/**
 * A part of the page the script refreshes when a run ends: it fetches the page again and swaps
 * each `data-section` element for its new version.
 */
export function section(id: string, title: string, body: string): string {
  return `<section id="${e(id)}" data-section="${e(id)}"><h2>${e(title)}</h2>${body}</section>`;
}

/** Text inside a <script>: a `</script>` in it would end the element. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');
