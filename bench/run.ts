/**
 * `npm run bench`: figures reported as ratios measured in one run on this machine.
 *   1. sandbox: start-up time and requests per second (it must never dominate a benchmark);
 *   2. transfer: batched upsert of chantiers vs one statement per row;
 *   3. transfer-batisimply: BATISIMPLY_CONCURRENCY 8 vs 1, with 5 ms of latency per call;
 *   4. heures-to-sqlserver: batches of 200 slots vs batches of 1.
 * Needs PostgreSQL (TEST_PG_URL, default the local server).
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { Services } from '../src/lib/services.js';
import { upsertChantiers } from '../src/lib/staging/chantiers.js';
import { runJob } from '../src/lib/sync/runner.js';
import type { RunReport } from '../src/lib/sync/report.js';
import { Sandbox } from '../src/sandbox/server.js';
import { chantier } from '../test/support/chantiers.js';
import { MemoryBatigest } from '../test/support/memoryBatigest.js';
import { freshDatabase } from '../test/support/pg.js';
import { sandboxEnv } from '../test/support/sandbox.js';
import { daysAgo, slot } from '../test/support/slots.js';

const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
};
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const lines: string[] = [];
const report = (line: string) => {
  lines.push(line);
  console.log(line);
};

async function sandboxFigures() {
  const [startMs, sandbox] = await time(async () => {
    const s = new Sandbox({ seed: { projects: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, projectCode: `P${i}`, projectName: `P${i}` })) } });
    await s.start();
    return s;
  });
  const token = sandbox.state.issueToken(3600);
  const agent = new Agent({ connections: 16 });
  const total = 5_000;
  let next = 0;
  const [ms] = await time(() =>
    Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < total) {
          const res = await request(`${sandbox.url}/api/project?page=0&size=20`, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
          await res.body.dump();
        }
      }),
    ),
  );
  await agent.close();
  await sandbox.stop();
  report(`sandbox: start-up ${fmt(startMs)}; ${Math.round((total / ms) * 1000)} requests/s (5,000 GET /api/project, 16 connections)`);
}

async function transferFigures() {
  const t = await freshDatabase();
  try {
    const rows = Array.from({ length: 5_000 }, (_, i) => chantier(`C${String(i).padStart(6, '0')}`));
    const [batched] = await time(() => t.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) await upsertChantiers(tx, rows.slice(i, i + 500));
    }));
    await t.db.query('TRUNCATE batigest_chantiers');
    const [perRow] = await time(() => t.db.transaction(async (tx) => {
      for (const row of rows) await upsertChantiers(tx, [row]);
    }));
    report(`transfer: 5,000 chantiers batched by 500 ${fmt(batched)} vs one statement per row ${fmt(perRow)} — ${(perRow / batched).toFixed(1)}× faster`);
    await t.db.query(`UPDATE batigest_chantiers SET description = description`);
    const [unchanged] = await time(() => t.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) await upsertChantiers(tx, rows.slice(i, i + 500));
    }));
    report(`transfer: unchanged re-run of 5,000 chantiers ${fmt(unchanged)} (${(batched / unchanged).toFixed(1)}× the first run's speed)`);
  } finally {
    await t.drop();
  }
}

async function pushFigures() {
  const figures: Record<string, number> = {};
  for (const concurrency of [1, 8]) {
    const t = await freshDatabase();
    const sandbox = new Sandbox({ faults: [{ route: '*', fault: 'latency', latencyMs: 5, rate: 1 }] });
    await sandbox.start();
    const batigest = new MemoryBatigest();
    batigest.chantiers = Array.from({ length: 300 }, (_, i) => chantier(`P${String(i).padStart(5, '0')}`));
    const services = new Services({ ...sandboxEnv(sandbox), BATISIMPLY_CONCURRENCY: String(concurrency) }, { staging: t.db, batigest });
    await runJob(services, 'transfer', { trigger: 'cli' });
    const [ms, outcome] = await time(() => runJob(services, 'transfer-batisimply', { trigger: 'cli' }));
    figures[concurrency] = ms;
    report(`transfer-batisimply: 300 creates at concurrency ${concurrency}: ${fmt(ms)} (${(outcome.report as RunReport).counts.created} created)`);
    await services.close();
    await sandbox.stop();
    await t.drop();
  }
  report(`transfer-batisimply: concurrency 8 is ${(figures[1]! / figures[8]!).toFixed(1)}× faster than 1`);
}

async function heuresFigures() {
  const figures: Record<string, number> = {};
  for (const batch of [1, 200]) {
    const t = await freshDatabase();
    const sandbox = new Sandbox({
      seed: { timeSlots: Array.from({ length: 1_000 }, (_, i) => slot(i + 1, daysAgo(1 + (i % 30), `${String(6 + (i % 10)).padStart(2, '0')}:00:00`), 60, { user: { id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` } })) },
    });
    await sandbox.start();
    const batigest = new MemoryBatigest();
    batigest.salaries = Array.from({ length: 1_000 }, (_, i) => ({ code: `S${i}`, nom: `S${i}`, codeBs: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    const services = new Services({ ...sandboxEnv(sandbox), HEURES_BATCH_SIZE: String(batch) }, { staging: t.db, batigest });
    await runJob(services, 'recup-heures', { trigger: 'cli' });
    const [ms, outcome] = await time(() => runJob(services, 'heures-to-sqlserver', { trigger: 'cli' }));
    figures[batch] = ms;
    report(`heures-to-sqlserver: 1,000 slots in batches of ${batch}: ${fmt(ms)} (${(outcome.report as RunReport).counts.created} rows, ${batigest.commits} SuiviMO transactions)`);
    await services.close();
    await sandbox.stop();
    await t.drop();
  }
  report(`heures-to-sqlserver: batches of 200 are ${(figures[1]! / figures[200]!).toFixed(1)}× faster than batches of 1 (staging round trips; SQL Server's own would add to it)`);
}

await sandboxFigures();
await transferFigures();
await pushFigures();
await heuresFigures();
console.log('\nSummary:\n' + lines.map((l) => `  ${l}`).join('\n'));
