/** The import rows of the table: recup-heures against its floor, the earlier tool's way, and peak RSS. */
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../src/sandbox/server.js';
import type { SandboxTimeSlot } from '../src/sandbox/state.js';
import { freshDatabase } from '../test/support/pg.js';
import { median, runChild, type Row } from './support.js';

const CHILD = fileURLToPath(new URL('./importChild.js', import.meta.url));
const USERS = 300;
const PROJECTS = 120;

/** `n` slots spread over the last 34 days, from many users on many projects, some without a code. */
export function benchSlots(n: number): SandboxTimeSlot[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const start = Math.floor((now - (1 + (i % 33)) * 86_400_000 - (i % 600) * 60_000 - 6 * 3_600_000) / 60_000) * 60_000;
    const minutes = 30 + (i % 8) * 30;
    const project = i % 10;
    return {
      id: 1_000_000 + i,
      startDate: new Date(start).toISOString().replace('.000Z', 'Z'),
      endDate: new Date(start + minutes * 60_000).toISOString().replace('.000Z', 'Z'),
      user: { id: `00000000-0000-4000-8000-${String(i % USERS).padStart(12, '0')}`, firstName: 'Jean', lastName: `SALARIE ${i % USERS}` },
      project:
        project === 0 ? { id: 1 + (i % PROJECTS) } : { id: 1 + (i % PROJECTS), projectCode: `CH${String(i % PROJECTS).padStart(4, '0')}` },
      managementStatus: i % 3 === 0 ? 'PENDING' : 'VALIDATED',
      totalTimeMinutes: minutes,
      hasPackedLunch: i % 2 === 0,
      hasHomeToWorkJourney: i % 5 === 0,
    };
  });
}

interface JobResult {
  first: { ms: number; counts: Record<string, number> };
  again: { ms: number; counts: Record<string, number> };
  writtenAgain: number;
  rssFirstMb: number;
  rssMb: number;
}

async function inFreshDb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const t = await freshDatabase();
  try {
    return await fn(t.url);
  } finally {
    await t.drop();
  }
}

export async function importRows(sizes: { n: number; repeat: number; perRow: boolean }[]): Promise<{ rows: Row[]; raw: unknown }> {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  for (const { n, repeat, perRow } of sizes) {
    const sandbox = new Sandbox({ seed: { timeSlots: benchSlots(n) } });
    await sandbox.start();
    const env = { ...sandbox.connectorSettings(), SYNC_TIMEZONE: 'Europe/Paris', BENCH_TOKEN: sandbox.state.issueToken(3600) };
    const childEnv = { ...process.env, BENCH_ENV: JSON.stringify(env) };
    const floors: number[] = [];
    const jobs: JobResult[] = [];
    try {
      // Interleaved, so that a busy neighbour on the machine weighs on both alike.
      for (let i = 0; i < repeat; i++) {
        floors.push((await inFreshDb((url) => runChild<{ ms: number }>(CHILD, ['floor', url], childEnv))).ms);
        jobs.push(await inFreshDb((url) => runChild<JobResult>(CHILD, ['job', url], childEnv)));
      }
      const perRowMs = perRow ? (await inFreshDb((url) => runChild<{ ms: number }>(CHILD, ['perRow', url], childEnv))).ms : undefined;
      // The same job with V8's own heap growth (no heapPolicy.ts): what the policy saves.
      const v8Defaults = await inFreshDb((url) => runChild<JobResult>(CHILD, ['job', url], { ...childEnv, BENCH_V8_DEFAULTS: '1' }));
      const floor = median(floors);
      const first = median(jobs.map((j) => j.first.ms));
      const again = median(jobs.map((j) => j.again.ms));
      const rss = Math.max(...jobs.map((j) => j.rssMb));
      const label = n.toLocaleString('en');
      rows.push({ scenario: `import ${label} slots (floor: fetch + parse + one bulk INSERT)`, figure: floor, unit: 'ms' });
      rows.push({
        scenario: `import ${label} slots, recup-heures`,
        figure: first,
        unit: 'ms',
        reference: { label: 'plancher', value: floor },
        ratio: first / floor,
        target: '≤ 1.5×',
        met: first <= 1.5 * floor,
      });
      if (perRowMs !== undefined) {
        rows.push({
          scenario: `import ${label} slots, one INSERT per slot (earlier tool)`,
          figure: perRowMs,
          unit: 'ms',
          reference: { label: 'recup-heures', value: first },
          ratio: perRowMs / first,
          target: '≥ 4× recup-heures',
          met: perRowMs >= 4 * first,
        });
      }
      rows.push({
        scenario: `import ${label} slots, nothing changed`,
        figure: again,
        unit: 'ms',
        reference: { label: 'plancher', value: floor },
        ratio: again / floor,
        target: '≤ 1×, 0 rows written',
        met: again <= floor && jobs.every((j) => j.writtenAgain === 0),
        note: `${Math.max(...jobs.map((j) => j.writtenAgain))} rows written`,
      });
      rows.push({ scenario: `peak RSS, import ${label} slots (process)`, figure: rss, unit: 'MB', target: '≤ 200 MB', met: rss <= 200 });
      rows.push({
        scenario: `peak RSS, import ${label} slots, V8's default heap growth`,
        figure: v8Defaults.rssMb,
        unit: 'MB',
        note: `recup-heures ${v8Defaults.first.ms.toFixed(0)} ms`,
      });
      raw[n] = { floors, jobs, perRowMs, v8Defaults };
    } finally {
      await sandbox.stop();
    }
  }
  return { rows, raw };
}
