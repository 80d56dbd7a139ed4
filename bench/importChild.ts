/**
 * One import measurement in its own process, so that its peak RSS is its own. Modes:
 *   floor  — fetch every chunk of the window, JSON.parse, one bulk INSERT of the same rows;
 *   perRow — the same fetch, then one INSERT per slot (the earlier tool's way), in one transaction;
 *   job    — `recup-heures` on an empty staging, then again with nothing changed.
 * Prints one JSON line. Arguments: mode, database URL; BENCH_ENV holds the sandbox settings.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { applyHeapPolicy } from '../src/lib/heapPolicy.js';
import { Services } from '../src/lib/services.js';
import { PostgresDb } from '../src/lib/staging/db.js';
import { arrayLiteral } from '../src/lib/staging/pgArray.js';
import { runJob } from '../src/lib/sync/runner.js';
import type { RunReport } from '../src/lib/domain/runs.js';

const [mode, dbUrl] = process.argv.slice(2) as ['floor' | 'perRow' | 'job', string];
// A process that runs jobs, as the CLI and the Functions worker are (BENCH_V8_DEFAULTS=1: V8's own growth, for comparison).
if (process.env.BENCH_V8_DEFAULTS !== '1') applyHeapPolicy();
const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Record<string, string>;
const DAY_MS = 86_400_000;

/** The window and chunks recup-heures asks for (35 days, 7 at a time). */
function chunks(): [Date, Date][] {
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const from = new Date(to.getTime() - 35 * DAY_MS);
  const out: [Date, Date][] = [];
  for (let start = from.getTime(); start < to.getTime(); start += 7 * DAY_MS) {
    out.push([new Date(start), new Date(Math.min(to.getTime(), start + 7 * DAY_MS))]);
  }
  return out;
}

type RawSlot = {
  id: number | string;
  startDate: string;
  endDate: string;
  user: { id: string; firstName?: string | null; lastName?: string | null };
  project: { id: number; projectCode?: string | null } | null;
  managementStatus: string;
  totalTimeMinutes: number;
  hasPackedLunch: boolean;
  hasHomeToWorkJourney: boolean;
};

async function fetchAll(): Promise<RawSlot[]> {
  const slots: RawSlot[] = [];
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const [start, end] of chunks()) {
    const url = `${env.BATISIMPLY_API_URL}/api/timeSlotManagement/allUsers?startDate=${iso(start)}&endDate=${iso(end)}`;
    const res = await request(url, { headers: { authorization: `Bearer ${env.BENCH_TOKEN}` } });
    for (const s of JSON.parse(await res.body.text()) as RawSlot[]) slots.push(s);
  }
  return slots;
}

const COLUMNS = `id_heure, date_debut, date_fin, start_utc, end_utc, id_utilisateur, id_projet, project_code_in_slot, code_projet,
  status_management, total_heure, panier, trajet, user_name`;

function columns(slots: readonly RawSlot[]): unknown[] {
  return [
    slots.map((s) => String(s.id)),
    slots.map((s) => s.startDate),
    slots.map((s) => s.endDate),
    slots.map((s) => s.startDate),
    slots.map((s) => s.endDate),
    slots.map((s) => s.user.id),
    slots.map((s) => s.project?.id ?? null),
    slots.map((s) => s.project?.projectCode ?? null),
    slots.map((s) => s.project?.projectCode ?? null),
    slots.map((s) => s.managementStatus),
    slots.map((s) => s.totalTimeMinutes),
    slots.map((s) => s.hasPackedLunch),
    slots.map((s) => s.hasHomeToWorkJourney),
    slots.map((s) => [s.user.lastName, s.user.firstName].filter(Boolean).join(' ')),
  ];
}

async function floor() {
  const db = new PostgresDb(dbUrl, { max: 1 });
  const started = performance.now();
  const slots = await fetchAll();
  const fetchedMs = performance.now() - started;
  await db.query(
    `INSERT INTO batigest_heures (${COLUMNS})
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::uuid[],
                          $7::bigint[], $8::text[], $9::text[], $10::text[], $11::int[], $12::bool[], $13::bool[], $14::text[])`,
    // The encoding the job uses, cheaper than pg's: the floor stays the best this machine does.
    (columns(slots) as Parameters<typeof arrayLiteral>[0][]).map(arrayLiteral),
  );
  const ms = performance.now() - started;
  await db.close();
  return { ms, fetchedMs, rows: slots.length };
}

/** Timed like the floor and the job, from the first request to the last row staged: the same import, done the earlier tool's way. */
async function perRow() {
  const db = new PostgresDb(dbUrl, { max: 1 });
  const started = performance.now();
  const slots = await fetchAll();
  const cols = columns(slots) as unknown[][];
  await db.transaction(async (tx) => {
    for (let i = 0; i < slots.length; i++) {
      await tx.query(
        `INSERT INTO batigest_heures (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        cols.map((c) => c[i]),
      );
    }
  });
  const ms = performance.now() - started;
  await db.close();
  return { ms, rows: slots.length };
}

async function job() {
  const db = new PostgresDb(dbUrl, { max: 2 });
  const services = new Services({ ...env, BATISIMPLY_TIMEOUT_MS: '120000' }, { staging: db });
  const run = async () => {
    const started = performance.now();
    const outcome = await runJob(services, 'recup-heures', { trigger: 'cli' });
    const report = outcome.report as RunReport;
    if (report.status !== 'succeeded') throw new Error(`recup-heures : ${report.status} ${JSON.stringify(report.errors.slice(0, 3))}`);
    return { ms: performance.now() - started, counts: report.counts };
  };
  const first = await run();
  const rssFirstMb = process.resourceUsage().maxRSS / 1024;
  const before = new Date();
  const again = await run();
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_heures WHERE updated_at >= $1', [before]);
  await services.close();
  await db.close();
  return { first, again, writtenAgain: rows[0]!.n, rssFirstMb, rssMb: process.resourceUsage().maxRSS / 1024 };
}

const result = mode === 'floor' ? await floor() : mode === 'perRow' ? await perRow() : await job();
console.log(JSON.stringify(result));
