/**
 * `npm run build && node dist/bench/companies.js [companies] [concurrency]`: many companies run
 * through the queue handler with Azurite. Each company has its own BatiSimply sandbox (200
 * chantiers to create, 2,000 validated slots) and its own Batigest (in memory: SQL Server cannot
 * run here), one staging schema each in one PostgreSQL database. Reported: one company alone,
 * then all of them with the handler run `concurrency` messages at a time (what host.json's
 * batchSize + newBatchThreshold allow per instance), against one company's time × N ÷ concurrency;
 * and the rows of each company found anywhere else (staging schemas, sandboxes, SuiviMO).
 * Needs PostgreSQL (TEST_PG_URL, default the local server).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { QueueClient } from '@azure/storage-queue';
import { listCompanies } from '../src/lib/companies.js';
import { companyServices } from '../src/lib/companyServices.js';
import type { Env } from '../src/lib/config.js';
import { createLogger, silentSink } from '../src/lib/log.js';
import { RUNS_QUEUE, StorageRunQueue } from '../src/lib/queue/client.js';
import { enqueueRun, executeRunMessage } from '../src/lib/queue/runs.js';
import type { Services } from '../src/lib/services.js';
import { getRun } from '../src/lib/staging/runs.js';
import { Sandbox } from '../src/sandbox/server.js';
import { startAzurite } from '../test/queue/azurite.js';
import { chantier } from '../test/support/chantiers.js';
import { MemoryBatigest } from '../test/support/memoryBatigest.js';
import { freshDatabase } from '../test/support/pg.js';
import { daysAgo, slot } from '../test/support/slots.js';

const COMPANIES = Number(process.argv[2] ?? 20);
const CONCURRENCY = Number(process.argv[3] ?? 6);
const CHANTIERS = 200;
const SLOTS = 2_000;
const SALARIES = 20;

interface World {
  prefix: string;
  sandbox: Sandbox;
  batigest: MemoryBatigest;
}

const userId = (c: number, s: number) => `00000000-0000-4000-8${String(c).padStart(3, '0')}-${String(s).padStart(12, '0')}`;

async function companyWorld(index: number): Promise<World> {
  const prefix = `E${String(index).padStart(2, '0')}`;
  const codes = Array.from({ length: CHANTIERS }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  const sandbox = new Sandbox({
    seed: {
      timeSlots: Array.from({ length: SLOTS }, (_, i) =>
        slot(i + 1, daysAgo(1 + (i % 28), `${String(6 + (i % 10)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00`), 60, {
          user: { id: userId(index, i % SALARIES), firstName: 'S', lastName: `${prefix}-${i % SALARIES}` },
          project: { id: 100_000 + (i % CHANTIERS), projectCode: codes[i % CHANTIERS]! },
        }),
      ),
    },
  });
  await sandbox.start();
  const batigest = new MemoryBatigest();
  batigest.chantiers = codes.map((code) => chantier(code));
  batigest.salaries = Array.from({ length: SALARIES }, (_, s) => ({ code: `${prefix}S${s}`, nom: `S${s}`, codeBs: userId(index, s) }));
  return { prefix, sandbox, batigest };
}

/** Settings of N companies, each pointing at its own sandbox account. */
function settingsOf(stagingUrl: string, sandboxes: Sandbox[], connectionString: string): Env {
  const env: Env = {
    STAGING_DATABASE_URL: stagingUrl,
    STAGING_POOL_MAX: '3',
    SYNC_TIMEZONE: 'Europe/Paris',
    AzureWebJobsStorage: connectionString,
    COMPANIES: sandboxes.map((_, i) => `e${String(i).padStart(2, '0')}`).join(','),
  };
  sandboxes.forEach((sandbox, i) => {
    for (const [k, v] of Object.entries(sandbox.connectorSettings())) env[`COMPANY_E${String(i).padStart(2, '0')}__${k}`] = v;
  });
  return env;
}

/** Pulls messages from Azurite and runs each through the queue handler, `concurrency` at a time, until `expected` have run. */
async function drain(queue: QueueClient, servicesOf: (company: string) => Services, expected: number, concurrency: number) {
  let done = 0;
  const log = createLogger(silentSink);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (done < expected) {
        const {
          receivedMessageItems: [item],
        } = await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 600 });
        if (!item) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const body = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8'));
        await executeRunMessage(servicesOf, body, { dequeueCount: item.dequeueCount, log });
        await queue.deleteMessage(item.messageId, item.popReceipt);
        done++;
      }
    }),
  );
}

async function round(n: number, concurrency: number, azurite: { connectionString: string }) {
  const t = await freshDatabase({ migrate: false });
  const sandboxes: Sandbox[] = [];
  try {
    const worlds = await Promise.all(Array.from({ length: n }, (_, i) => companyWorld(i)));
    sandboxes.push(...worlds.map((w) => w.sandbox));
    const env = settingsOf(t.url, sandboxes, azurite.connectionString);
    const companies = listCompanies(env);
    const byName = new Map(worlds.map((w, i) => [companies[i]!.name, { ...w, company: companies[i]! }]));
    // Services per company, kept for the round like a worker keeps them; Batigest in memory.
    const services = new Map([...byName].map(([name, w]) => [name, companyServices(w.company, { batigest: w.batigest })]));
    const servicesOf = (name: string) => services.get(name)!;
    for (const s of services.values()) await s.staging(); // schemas created and migrated before the clock starts

    const queueClient = new QueueClient(azurite.connectionString, RUNS_QUEUE);
    await queueClient.createIfNotExists();
    await queueClient.clearMessages();
    const queue = new StorageRunQueue({ connectionString: azurite.connectionString });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const runIds = new Map<string, string>();
    for (const [name, s] of services) runIds.set(name, (await enqueueRun(s, queue, { job: 'all', dryRun: false, trigger: 'timer' })).runId);
    await drain(queueClient, servicesOf, n, concurrency);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    // This process's CPU (connector and sandboxes) against the wall clock: near 100 % means one core was the limit.
    const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100);

    const statuses = new Map<string, number>();
    let cross = 0;
    let created = 0;
    let suivimo = 0;
    for (const [name, w] of byName) {
      const db = await servicesOf(name).staging();
      const run = await getRun(db, runIds.get(name)!);
      statuses.set(run!.status, (statuses.get(run!.status) ?? 0) + 1);
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
    const { rows: pub } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'batigest_chantiers'`,
    );
    for (const s of services.values()) await s.close();
    return {
      ms,
      cpuPercent,
      load: os.loadavg()[0]!,
      statuses: Object.fromEntries(statuses),
      cross,
      created,
      suivimo,
      publicTables: pub[0]!.n,
    };
  } finally {
    for (const s of sandboxes) await s.stop();
    await t.drop();
  }
}

const azurite = await startAzurite();
try {
  await round(1, 1, azurite); // warm-up: JIT, first connections
  const one = await round(1, 1, azurite);
  console.log(`1 company: ${one.ms.toFixed(0)} ms`, one);
  const all = await round(COMPANIES, CONCURRENCY, azurite);
  console.log(`${COMPANIES} companies at concurrency ${CONCURRENCY}: ${all.ms.toFixed(0)} ms`, all);
  const serial = await round(COMPANIES, 1, azurite);
  console.log(`${COMPANIES} companies at concurrency 1: ${serial.ms.toFixed(0)} ms`, serial);
  const rows = [
    ['1 company, alone', 1, one],
    [`${COMPANIES} companies`, 1, serial],
    [`${COMPANIES} companies`, CONCURRENCY, all],
  ] as const;
  console.log(
    '\n| scenario | concurrency | total | one × N ÷ concurrency | ratio | process CPU | load average (1 min, 2 cores) | runs | projects created | SuiviMO rows | cross-company rows |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, c, r] of rows) {
    const n = label.startsWith('1 ') ? 1 : COMPANIES;
    const exp = (one.ms * n) / c;
    console.log(
      `| ${label} | ${c} | ${(r.ms / 1000).toFixed(1)} s | ${(exp / 1000).toFixed(1)} s | ${(r.ms / exp).toFixed(2)} | ${r.cpuPercent} % | ${r.load.toFixed(1)} | ${JSON.stringify(r.statuses)} | ${r.created} | ${r.suivimo} | ${r.cross} |`,
    );
  }
} finally {
  await azurite.stop();
}
