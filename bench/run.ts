/**
 * `npm run bench`: each figure beside its floor or baseline measured in the same run, as a table,
 * also written to bench/results/latest.json. Needs PostgreSQL (TEST_PG_URL, default the local
 * server). `--quick` runs smaller sizes (a smoke run, not figures to quote).
 *
 * Each scenario is a function giving rows of the table; to add one, append it to SCENARIOS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { upsertChantiers } from '../src/lib/staging/chantiers.js';
import { Sandbox } from '../src/sandbox/server.js';
import { chantier } from '../test/support/chantiers.js';
import { freshDatabase } from '../test/support/pg.js';
import { importRows } from './import.js';
import { embeddedRows } from './embedded.js';
import { benchPush } from './push.js';
import { startupRows } from './startup.js';
import { suiviMoRows } from './suivimo.js';
import { agentIdleRows } from './agentIdle.js';
import { companiesRows } from './companies.js';
import { printTable, time, type Row } from './support.js';

const quick = process.argv.includes('--quick');
/** The agent's idle window: a few minutes for figures to quote, less for a smoke run (`--idle-minutes 0.25`). */
const idleArg = process.argv.indexOf('--idle-minutes');
const idleMinutes = idleArg >= 0 ? Number(process.argv[idleArg + 1]) : quick ? 0.5 : 3;
/** `--only agent`: just the agent's idle cost; `--only companies`: just the many companies' rows. */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

/** The sandbox must never be what a benchmark measures: its own throughput, for reference. */
async function sandboxRows(): Promise<Row[]> {
  const sandbox = new Sandbox({
    seed: { projects: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, projectCode: `P${i}`, projectName: `P${i}` })) },
  });
  await sandbox.start();
  const token = sandbox.state.issueToken(3600);
  const agent = new Agent({ connections: 16 });
  const total = 5_000;
  let next = 0;
  const [ms] = await time(() =>
    Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < total) {
          const res = await request(`${sandbox.url}/api/project?page=0&size=20`, {
            dispatcher: agent,
            headers: { authorization: `Bearer ${token}` },
          });
          await res.body.dump();
        }
      }),
    ),
  );
  await agent.close();
  await sandbox.stop();
  return [{ scenario: 'sandbox: GET /api/project, 16 connections', figure: (total / ms) * 1000, unit: 'requests/s' }];
}

/** transfer: batched upsert of chantiers against one statement per row. */
async function transferRows(): Promise<Row[]> {
  const t = await freshDatabase();
  try {
    const rows = Array.from({ length: 5_000 }, (_, i) => chantier(`C${String(i).padStart(6, '0')}`));
    const [batched] = await time(() =>
      t.db.transaction(async (tx) => {
        for (let i = 0; i < rows.length; i += 500) await upsertChantiers(tx, rows.slice(i, i + 500));
      }),
    );
    await t.db.query('TRUNCATE batigest_chantiers');
    const [perRow] = await time(() =>
      t.db.transaction(async (tx) => {
        for (const row of rows) await upsertChantiers(tx, [row]);
      }),
    );
    return [
      {
        scenario: 'transfer 5,000 chantiers, batches of 500',
        figure: batched,
        unit: 'ms',
        reference: { label: 'une requête par ligne', value: perRow },
        ratio: batched / perRow,
      },
    ];
  } finally {
    await t.drop();
  }
}

/** transfer-batisimply creating every project, against a bare undici client sending the same POSTs. */
async function pushRows(): Promise<Row[]> {
  const n = quick ? 300 : 2_000;
  const r = await benchPush({ n, latencyMs: 20, concurrency: 8, rounds: quick ? 1 : 3 });
  return [
    {
      scenario: `push ${n} new chantiers, 20 ms latency, concurrency 8`,
      figure: r.jobMs,
      unit: 'ms',
      reference: { label: 'bare undici client, same POSTs', value: r.bareUndiciMs },
      ratio: r.ratio,
      target: '≤ 1.15×',
      met: r.ratio <= 1.15,
      note: `${r.created} projects created`,
    },
  ];
}

const ALL_SCENARIOS: (() => Promise<{ rows: Row[]; raw?: unknown }>)[] = [
  async () => ({ rows: await sandboxRows() }),
  async () => ({ rows: await startupRows() }),
  async () => ({ rows: await embeddedRows(quick ? 1 : 5) }),
  () =>
    importRows(
      quick
        ? [{ n: 5_000, repeat: 1, perRow: true }]
        : [
            { n: 50_000, repeat: 3, perRow: true },
            { n: 200_000, repeat: 1, perRow: false },
          ],
    ),
  async () => ({ rows: await pushRows() }),
  async () => ({ rows: await suiviMoRows(quick ? 1_000 : 10_000) }),
  async () => ({ rows: await transferRows() }),
];
const agentScenario = async () => ({ rows: await agentIdleRows(idleMinutes) });
const companiesScenario = () => (quick ? companiesRows({ companies: 20, bigSlots: 5_000 }) : companiesRows());
const SCENARIOS: (() => Promise<{ rows: Row[]; raw?: unknown }>)[] =
  only === 'agent' ? [agentScenario] : only === 'companies' ? [companiesScenario] : [...ALL_SCENARIOS, agentScenario, companiesScenario];

const rows: Row[] = [];
const raw: unknown[] = [];
for (const scenario of SCENARIOS) {
  const result = await scenario();
  rows.push(...result.rows);
  if (result.raw !== undefined) raw.push(result.raw);
  for (const r of result.rows)
    console.error(`  ${r.scenario}: ${r.figure.toFixed(0)} ${r.unit}${r.ratio === undefined ? '' : ` (${r.ratio.toFixed(2)}×)`}`);
}
console.log('');
printTable(rows);
const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(
  `${dir}latest.json`,
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, quick, rows, raw }, null, 2)}\n`,
);
