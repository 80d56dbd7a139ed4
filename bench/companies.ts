/**
 * Many companies on one deployment (issue 26), every figure from one run:
 * `npm run build && node dist/bench/companies.js` (also a scenario of `npm run bench`).
 * Each company has its own BatiSimply sandbox and its own Batigest in memory, one staging schema
 * each in one PostgreSQL database, and runs `all` through the queue path (Azurite, the queue
 * handler's `executeRunMessage`) `concurrency` messages at a time, as one instance does
 * (host.json's batchSize + newBatchThreshold). Sizes: BENCH_COMPANIES (default 200),
 * BENCH_BIG_SLOTS (default 50,000). Needs PostgreSQL (TEST_PG_URL, default the local server).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { QueueClient } from '@azure/storage-queue';
import { listCompanies } from '../src/lib/companies.js';
import { companyServices } from '../src/lib/companyServices.js';
import { RUNS_AT_ONCE } from '../src/lib/config.js';
import { createLogger, silentSink } from '../src/lib/log.js';
import { RUNS_QUEUE, StorageRunQueue } from '../src/lib/queue/client.js';
import { enqueueRun, executeRunMessage } from '../src/lib/queue/runs.js';
import type { Services } from '../src/lib/services.js';
import { stagingConnections } from '../src/lib/staging/pool.js';
import { getRun } from '../src/lib/staging/runs.js';
import { startAzurite } from '../test/queue/azurite.js';
import { freshDatabase, type TestDatabase } from '../test/support/pg.js';
import { companyWorld, settingsOf, type CompanyWorld } from './companiesWorld.js';
import { printTable, runChild, type Row } from './support.js';

const NORMAL = { chantiers: 20, slots: 200 };
const POOL_MAX = RUNS_AT_ONCE + 1;

interface Round {
  ms: number;
  /** When each company's run ended, from the start of the round. */
  finishes: Map<string, number>;
  peak: number;
  migrateMs: number;
  statuses: Record<string, number>;
  cross: number;
  created: number;
  suivimo: number;
  cpuPercent: number;
}

/** Pulls messages from Azurite and runs each through the queue handler, `concurrency` at a time, until `expected` have run. */
async function drain(
  queue: QueueClient,
  servicesOf: (company: string) => Services,
  expected: number,
  concurrency: number,
  finished: (company: string) => void,
) {
  let done = 0;
  const log = createLogger(silentSink);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < expected) {
        const {
          receivedMessageItems: [item],
        } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 3600 });
        if (!item) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const body = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as { company: string };
        await executeRunMessage(servicesOf, body, { dequeueCount: item.dequeueCount, log });
        await queue.deleteMessage(item.messageId, item.popReceipt);
        finished(body.company);
        done++;
      }
    }),
  );
}

/** Runs `a` on every item, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, a: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from(
      { length: limit },
      async () =>
        void (await (async () => {
          while (next < items.length) await a(items[next++]!);
        })()),
    ),
  );
}

/**
 * One round: the companies of `sizes` (index = company), `all` queued for each in order, drained at
 * `concurrency`. `prepare` may change a company's sandbox before the clock starts (a fault plan);
 * `after` sees the database before it is dropped (the one-process measures).
 */
async function round(
  sizes: readonly { chantiers: number; slots: number }[],
  concurrency: number,
  azurite: { connectionString: string },
  options: { first?: number; prepare?: (w: CompanyWorld) => void; after?: (t: TestDatabase) => Promise<void> } = {},
): Promise<Round> {
  const t = await freshDatabase({ migrate: false });
  const worlds: CompanyWorld[] = [];
  try {
    const first = options.first ?? 0;
    await eachLimited(
      sizes.map((size, i) => ({ size, i })),
      16,
      async ({ size, i }) => void worlds.push(await companyWorld(first + i, size)),
    );
    worlds.sort((a, b) => a.name.localeCompare(b.name));
    for (const w of worlds) options.prepare?.(w);
    const env = settingsOf(t.url, worlds, azurite.connectionString, POOL_MAX);
    const companies = listCompanies(env);
    const byName = new Map(worlds.map((w) => [w.name, w]));
    // Services per company, kept for the round as a worker keeps them; Batigest in memory.
    const services = new Map(companies.map((c) => [c.name, companyServices(c, { batigest: byName.get(c.name)!.batigest })]));
    const servicesOf = (name: string) => services.get(name)!;
    // Every schema migrated at its first use, RUNS_AT_ONCE at a time, before the clock starts.
    const migrateStarted = performance.now();
    await eachLimited([...services.values()], RUNS_AT_ONCE, (s) => s.staging());
    const migrateMs = performance.now() - migrateStarted;

    const queueClient = new QueueClient(azurite.connectionString, RUNS_QUEUE);
    await queueClient.createIfNotExists();
    await queueClient.clearMessages();
    const queue = new StorageRunQueue({ connectionString: azurite.connectionString });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, stagingConnections())), 5);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const runIds = new Map<string, string>();
    for (const [name, s] of services) runIds.set(name, (await enqueueRun(s, queue, { job: 'all', dryRun: false, trigger: 'timer' })).runId);
    const finishes = new Map<string, number>();
    await drain(queueClient, servicesOf, services.size, concurrency, (c) => finishes.set(c, performance.now() - started));
    const ms = performance.now() - started;
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100);

    const statuses: Record<string, number> = {};
    let cross = 0;
    let created = 0;
    let suivimo = 0;
    for (const [name, w] of byName) {
      const db = await servicesOf(name).staging();
      const run = await getRun(db, runIds.get(name)!);
      statuses[run!.status] = (statuses[run!.status] ?? 0) + 1;
      const { rows } = await db.query<{ foreign: number }>(
        `SELECT (SELECT count(*) FROM batigest_chantiers WHERE code NOT LIKE $1)
              + (SELECT count(*) FROM batigest_heures WHERE coalesce(code_projet, '') NOT LIKE $1) AS foreign`,
        [`${w.prefix}%`],
      );
      cross += Number(rows[0]!.foreign);
      const projects = [...w.sandbox.state.projects.values()];
      created += projects.length;
      cross += projects.filter((p) => !String(p.projectCode).startsWith(w.prefix)).length;
      suivimo += w.batigest.suiviMo.length;
      cross += w.batigest.suiviMo.filter((r) => !r.codeChantier.startsWith(w.prefix)).length;
    }
    for (const s of services.values()) await s.close();
    await options.after?.(t);
    return { ms, finishes, peak, migrateMs, statuses, cross, created, suivimo, cpuPercent };
  } finally {
    for (const w of worlds) await w.sandbox.stop();
    await t.drop();
  }
}

const normal = (n: number) => Array.from({ length: n }, () => NORMAL);
const maxOf = (finishes: Map<string, number>, except: readonly string[] = []) =>
  Math.max(...[...finishes].filter(([c]) => !except.includes(c)).map(([, ms]) => ms));

interface ProcessFigures {
  count: number;
  cold: { ms: number; vaultReads: number; poolsOpened: number };
  first: { ms: number; vaultReads: number; poolsOpened: number };
  second: { ms: number; vaultReads: number; poolsOpened: number };
  historyMs: number;
  summaryMs: number;
  peak: number;
  rssMb: number;
}

export async function companiesRows(options: { companies?: number; bigSlots?: number } = {}): Promise<{ rows: Row[]; raw: unknown }> {
  const N = options.companies ?? Number(process.env.BENCH_COMPANIES ?? 200);
  const BIG = options.bigSlots ?? Number(process.env.BENCH_BIG_SLOTS ?? 50_000);
  const OTHERS = 20;
  const C = RUNS_AT_ONCE;
  const child = fileURLToPath(new URL('./companiesChild.js', import.meta.url));
  const azurite = await startAzurite();
  const say = (what: string) => console.error(`  [companies] ${what}`);
  try {
    await round(normal(1), 1, azurite); // warm-up: JIT, first connections
    const one = await round(normal(1), 1, azurite);
    say(`1 company: ${one.ms.toFixed(0)} ms, peak ${one.peak}`);
    const twenty = await round(normal(OTHERS), C, azurite);
    say(`${OTHERS} companies: ${twenty.ms.toFixed(0)} ms, peak ${twenty.peak}`);
    let one1: ProcessFigures | undefined;
    let many: ProcessFigures | undefined;
    const all = await round(normal(N), C, azurite, {
      // One process serving the N companies just run, and one serving one of them: a fresh process each.
      after: async (t) => {
        one1 = await runChild<ProcessFigures>(child, ['1', t.url, azurite.connectionString]);
        many = await runChild<ProcessFigures>(child, [String(N), t.url, azurite.connectionString]);
      },
    });
    say(`${N} companies: ${all.ms.toFixed(0)} ms, peak ${all.peak}, migration ${all.migrateMs.toFixed(0)} ms`);
    // Each comparison beside a baseline measured just before it: on a shared machine the load moves within minutes.
    const beforeBig = await round(normal(OTHERS), C, azurite, { first: 1 });
    const big = await round([{ chantiers: NORMAL.chantiers, slots: BIG }, ...normal(OTHERS)], C, azurite);
    say(`${OTHERS} companies beside one of ${BIG} slots: ${big.ms.toFixed(0)} ms`);
    const before429 = await round(normal(OTHERS), C, azurite);
    const limited = await round(normal(OTHERS), C, azurite, {
      prepare: (w) => {
        if (w.name === 'e000') w.sandbox.faults.add([{ route: '*', fault: '429', retryAfterSeconds: 1 }]);
      },
    });
    say(`${OTHERS} companies, e000 answered 429: ${limited.ms.toFixed(0)} ms`);

    const ideal = (one.ms * N) / C;
    const othersAlone = maxOf(beforeBig.finishes);
    const othersBesideBig = maxOf(big.finishes, ['e000']);
    const othersAlone429 = maxOf(before429.finishes, ['e000']);
    const othersBeside429 = maxOf(limited.finishes, ['e000']);
    const rows: Row[] = [
      {
        scenario: 'entreprises : connexions staging au pic, 1 société',
        figure: one.peak,
        unit: 'connections',
        target: `≤ ${POOL_MAX + 1}`,
        met: one.peak <= POOL_MAX + 1,
        note: `STAGING_POOL_MAX=${POOL_MAX} + 1 session de verrous`,
      },
      {
        scenario: `entreprises : connexions staging au pic, ${OTHERS} sociétés`,
        figure: twenty.peak,
        unit: 'connections',
        target: `≤ ${POOL_MAX + 1}`,
        met: twenty.peak <= POOL_MAX + 1,
      },
      {
        scenario: `entreprises : connexions staging au pic, ${N} sociétés`,
        figure: all.peak,
        unit: 'connections',
        target: `≤ ${POOL_MAX + 1}`,
        met: all.peak <= POOL_MAX + 1,
      },
      {
        scenario: `entreprises : RSS d'un processus servant ${N} sociétés`,
        figure: many!.rssMb,
        unit: 'MB',
        reference: { label: '1 société', value: one1!.rssMb },
        ratio: many!.rssMb / one1!.rssMb,
        target: '≤ 1.2×',
        met: many!.rssMb / one1!.rssMb <= 1.2,
      },
      {
        scenario: `entreprises : minuterie, ${N} messages mis en file`,
        figure: many!.first.ms,
        unit: 'ms',
        target: '< 2000 ms, 0 pool de société',
        met: many!.first.ms < 2000,
        note: `pools ouverts : ${many!.first.poolsOpened} ; première minuterie du processus : ${many!.cold.ms.toFixed(0)} ms, ${many!.cold.poolsOpened} pool (celui du processus) ; pic ${many!.peak} connexions`,
      },
      {
        scenario: `entreprises : Key Vault, requêtes par minuterie (${N} sociétés)`,
        figure: many!.cold.vaultReads,
        unit: 'requests',
        reference: { label: 'minuteries suivantes', value: many!.first.vaultReads + many!.second.vaultReads },
        note: 'première minuterie du processus ; secrets partagés lus une fois par processus, ceux d’une société à leur premier usage',
      },
      {
        scenario: `entreprises : GET /api/runs sans société (${N} sociétés)`,
        figure: many!.historyMs,
        unit: 'ms',
        target: '< 1000 ms, 1 connexion',
        met: many!.historyMs < 1000,
      },
      {
        scenario: `entreprises : tableau de bord, choix de société et résumé (${N} sociétés)`,
        figure: many!.summaryMs,
        unit: 'ms',
        target: '< 1000 ms, 1 connexion',
        met: many!.summaryMs < 1000,
      },
      {
        scenario: `entreprises : ${N} × (${NORMAL.chantiers} chantiers + ${NORMAL.slots} créneaux), file, concurrence ${C}`,
        figure: all.ms,
        unit: 'ms',
        reference: { label: `1 société × ${N} ÷ ${C}`, value: ideal },
        ratio: all.ms / ideal,
        target: '≤ 1.3×',
        met: all.ms / ideal <= 1.3,
        note: `${JSON.stringify(all.statuses)}, lignes croisées : ${all.cross}, CPU ${all.cpuPercent} %, charge ${os.loadavg()[0]!.toFixed(1)}`,
      },
      {
        scenario: `entreprises : migration de ${N} schémas à leur premier usage`,
        figure: all.migrateMs,
        unit: 'ms',
        note: `${RUNS_AT_ONCE} à la fois`,
      },
      {
        scenario: `entreprises : équité, ${OTHERS} sociétés à côté d'une de ${BIG} créneaux`,
        figure: othersBesideBig,
        unit: 'ms',
        reference: { label: 'sans elle', value: othersAlone },
        ratio: othersBesideBig / othersAlone,
        target: '≤ 1.5×',
        met: othersBesideBig / othersAlone <= 1.5,
        note: JSON.stringify(big.statuses),
      },
      {
        scenario: `entreprises : 429 sur le compte d'une société, les ${OTHERS - 1} autres`,
        figure: othersBeside429,
        unit: 'ms',
        reference: { label: 'sans 429', value: othersAlone429 },
        ratio: othersBeside429 / othersAlone429,
        target: '≤ 1.3×',
        met: othersBeside429 / othersAlone429 <= 1.3,
        note: JSON.stringify(limited.statuses),
      },
    ];
    const raw = { one, twenty, all, beforeBig, big, before429, limited, process1: one1, processN: many };
    return { rows, raw: JSON.parse(JSON.stringify(raw, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v))) };
  } finally {
    await azurite.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows } = await companiesRows();
  console.log('');
  printTable(rows);
}
