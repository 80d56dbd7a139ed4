/**
 * The dashboard's two pictures as SVG drawn on the server: the page stays one self-contained
 * document (no script library to ship, nothing loaded from elsewhere), prints as it shows, and
 * scales with its viewBox down to a narrow window. Each picture comes with its figures in a table,
 * for screen readers, for print in black and white, and for whoever wants the exact numbers.
 */
import { type FINISHED_STATUSES, STATUS_FR } from '../../domain/runs.js';
import type { DashboardCharts, DayRuns, WeekHours } from '../charts.js';
import { e } from './html.js';

/** The three states of a validated hour, bottom to top, with colours apart in hue and in lightness (grey print). */
export const HOUR_SERIES = [
  { key: 'exported', label: 'Exportées vers SuiviMO', color: '#1a7f37' },
  { key: 'waiting', label: 'En attente d’export', color: '#80ccff' },
  { key: 'held', label: 'Retenues', color: '#cf222e' },
] as const satisfies readonly { key: keyof Omit<WeekHours, 'week'>; label: string; color: string }[];

export const RUN_SERIES = [
  { key: 'succeeded', color: '#2da44e' },
  { key: 'partial', color: '#d4a72c' },
  { key: 'failed', color: '#cf222e' },
  { key: 'interrupted', color: '#6e1a1a' },
  { key: 'skipped', color: '#afb8c1' },
] as const satisfies readonly { key: (typeof FINISHED_STATUSES)[number]; color: string }[];

const W = 760;
const H = 250;
const M = { left: 56, right: 12, top: 26, bottom: 42 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const exact = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
export const hoursText = (h: number) => `${exact.format(h)} h`;
const r1 = (n: number) => Math.round(n * 10) / 10;

/** A round top for the axis and its step: 0, 5, 10… or 0, 2, 4… so that ticks read well. */
export function niceAxis(max: number, integers = false): { top: number; step: number } {
  if (max <= 0) return { top: integers ? 4 : 1, step: integers ? 1 : 0.25 };
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw && (!integers || Number.isInteger(s))) ?? 10 * power;
  const usable = integers ? Math.max(1, Math.ceil(step)) : step;
  return { top: Math.ceil(max / usable) * usable, step: usable };
}

/** "2 min 10 s", "45 s", "1 h 05". */
export function durationText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}`;
}

const dayMonth = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;
const WEEKDAYS = ['dim.', 'lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.'];
const weekday = (day: string) => WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()]!;
/** ISO week number of a Monday. */
function isoWeek(monday: string): number {
  const d = new Date(`${monday}T12:00:00Z`);
  const thursday = new Date(d.getTime() + 3 * 86_400_000);
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - yearStart) / (7 * 86_400_000)) + 1;
}

interface Bar {
  label: [string, string];
  /** Total shown above the bar. */
  caption: string;
  segments: { key: string; color: string; value: number; title: string }[];
}

/** Stacked bars on a value axis: the frame shared by both pictures. */
function stackedBars(id: string, title: string, bars: Bar[], axis: { top: number; step: number }, unit: (v: number) => string): string {
  const y = (v: number) => M.top + PLOT_H * (1 - v / axis.top);
  const band = PLOT_W / Math.max(1, bars.length);
  const width = Math.min(64, band * 0.62);
  const parts: string[] = [];
  for (let v = 0; v <= axis.top + 1e-9; v += axis.step) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${r1(y(v))}" y2="${r1(y(v))}" class="grid"/>`,
      `<text x="${M.left - 6}" y="${r1(y(v) + 4)}" class="tick" text-anchor="end">${e(unit(v))}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const x = M.left + i * band + (band - width) / 2;
    let base = 0;
    for (const s of bar.segments) {
      if (s.value <= 0) continue;
      const top = y(base + s.value);
      parts.push(
        `<rect x="${r1(x)}" y="${r1(top)}" width="${r1(width)}" height="${r1(y(base) - top)}" fill="${s.color}" data-series="${e(s.key)}" data-value="${s.value}"><title>${e(s.title)}</title></rect>`,
      );
      base += s.value;
    }
    const centre = r1(x + width / 2);
    if (bar.caption) parts.push(`<text x="${centre}" y="${r1(y(base) - 6)}" class="caption" text-anchor="middle">${e(bar.caption)}</text>`);
    parts.push(
      `<text x="${centre}" y="${H - M.bottom + 16}" class="tick" text-anchor="middle">${e(bar.label[0])}</text>`,
      `<text x="${centre}" y="${H - M.bottom + 31}" class="tick" text-anchor="middle">${e(bar.label[1])}</text>`,
    );
  });
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>`);
  return `<svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-title" preserveAspectRatio="xMinYMin meet"><title id="${id}-title">${e(title)}</title>${parts.join('')}</svg>`;
}

function legend(items: readonly { label: string; color: string }[]): string {
  return `<ul class="legend">${items.map((i) => `<li><span class="swatch" style="background:${i.color}"></span>${e(i.label)}</li>`).join('')}</ul>`;
}

const total = (w: WeekHours) => w.exported + w.waiting + w.held;

/** Validated hours per week of the window: exported, waiting, held; and the figures, with the window's total. */
export function hoursChart(charts: DashboardCharts): string {
  const { weeks, window } = charts;
  const max = Math.max(0, ...weeks.map(total));
  const bars: Bar[] = weeks.map((w) => ({
    label: [`S${isoWeek(w.week)}`, dayMonth(w.week)],
    caption: total(w) > 0 ? `${number.format(total(w))} h` : '',
    segments: HOUR_SERIES.map((s) => ({
      key: s.key,
      color: s.color,
      value: w[s.key],
      title: `Semaine du ${dayMonth(w.week)} — ${s.label} : ${hoursText(w[s.key])}`,
    })),
  }));
  const sum = (key: (typeof HOUR_SERIES)[number]['key']) => Math.round(weeks.reduce((n, w) => n + w[key], 0) * 10_000) / 10_000;
  const totals = { exported: sum('exported'), waiting: sum('waiting'), held: sum('held') };
  const row = (cells: string[], attrs = '') => `<tr${attrs}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  const figure = (h: number, key: string) => `<span data-hours="${h}" data-series="${key}">${e(hoursText(h))}</span>`;
  const table = `<table class="figures"><thead><tr><th>Semaine</th>${HOUR_SERIES.map((s) => `<th>${e(s.label)}</th>`).join('')}<th>Validées</th></tr></thead><tbody>${weeks
    .map((w) =>
      row(
        [`S${isoWeek(w.week)} (${e(dayMonth(w.week))})`, ...HOUR_SERIES.map((s) => figure(w[s.key], s.key)), figure(total(w), 'total')],
        ` data-week="${w.week}"`,
      ),
    )
    .join('')}${row(
    [
      '<strong>Fenêtre</strong>',
      ...HOUR_SERIES.map((s) => figure(totals[s.key], s.key)),
      figure(Math.round((totals.exported + totals.waiting + totals.held) * 10_000) / 10_000, 'total'),
    ],
    ' class="total" id="hours-total"',
  )}</tbody></table>`;
  const empty = max === 0 ? '<p class="empty">Aucune heure validée dans la fenêtre.</p>' : '';
  return `<figure class="picture"><figcaption>Heures validées dans BatiSimply, par semaine, du ${e(window.from)} au ${e(window.to)} (exclu)</figcaption>${empty}${stackedBars(
    'hours-chart',
    'Heures validées par semaine : exportées vers SuiviMO, en attente, retenues',
    bars,
    niceAxis(max),
    (v) => `${number.format(v)} h`,
  )}${legend(HOUR_SERIES)}${table}</figure>`;
}

const runsOf = (d: DayRuns) => RUN_SERIES.reduce((n, s) => n + d.counts[s.key], 0);

/** Runs per day of the last days, by outcome, with the longest run of each day. */
export function runsChart(charts: DashboardCharts): string {
  const { days } = charts;
  const max = Math.max(0, ...days.map(runsOf));
  const bars: Bar[] = days.map((d) => ({
    label: [weekday(d.day), dayMonth(d.day)],
    caption: runsOf(d) > 0 ? `max ${durationText(d.longestMs)}` : '',
    segments: RUN_SERIES.map((s) => ({
      key: s.key,
      color: s.color,
      value: d.counts[s.key],
      title: `${weekday(d.day)} ${dayMonth(d.day)} — ${STATUS_FR[s.key]} : ${d.counts[s.key]}`,
    })),
  }));
  const table = `<table class="figures"><thead><tr><th>Jour</th>${RUN_SERIES.map((s) => `<th>${e(STATUS_FR[s.key])}</th>`).join('')}<th>La plus longue</th></tr></thead><tbody>${days
    .map(
      (d) =>
        `<tr data-day="${d.day}"><td>${e(`${weekday(d.day)} ${dayMonth(d.day)}`)}</td>${RUN_SERIES.map((s) => `<td>${d.counts[s.key]}</td>`).join('')}<td>${runsOf(d) > 0 ? e(durationText(d.longestMs)) : '—'}</td></tr>`,
    )
    .join('')}</tbody></table>`;
  return `<figure class="picture"><figcaption>Exécutions des ${days.length} derniers jours : issue et durée de la plus longue</figcaption>${stackedBars(
    'runs-chart',
    'Exécutions par jour selon leur issue',
    bars,
    niceAxis(max, true),
    (v) => String(v),
  )}${legend(RUN_SERIES.map((s) => ({ label: STATUS_FR[s.key], color: s.color })))}${table}</figure>`;
}
