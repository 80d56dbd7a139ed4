/**
 * The heal campaign (issue 22), in `npm run test:chaos`: against the campaign's PostgreSQL and a
 * real Azurite, nothing slept on (each step waits for observable state). Azurite stopped while runs
 * are queued, the worker killed during a queued run and its message delivered again, staging
 * unreachable through every delivery, leftover company settings, two HTTP starts at once ×20, and
 * pg_terminate_backend on every connection to the campaign's own database during each job.
 * After each: the job runs again within one timer tick of recovery, nothing lost or doubled, no
 * run left queued or running without a live holder, no unhandled error, and the alert rules'
 * KQL fires or stays quiet as it should on the lines recorded.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import functions, { type HttpResponseInit, type Timer } from '@azure/functions';
import pg from 'pg';
import { QueueClient } from '@azure/storage-queue';
import type { Env } from '../../src/lib/config.js';
import { RUNS_QUEUE, runQueueFrom } from '../../src/lib/queue/client.js';
import { Services } from '../../src/lib/services.js';
import { startAzurite, type Azurite } from '../queue/azurite.js';
import { handlersFor, type TestHandlers } from '../support/handlers.js';
import { startServe } from '../support/serve.js';
import { bicepQueries, runKql, type Row } from '../infra/kql.js';
import { attempt, note } from './table.js';
import { type ChaosWorld, until } from './world.js';

const { HttpRequest, InvocationContext } = functions;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Side {
  env: Env;
  services: Services;
  h: TestHandlers;
  queue: QueueClient;
  close(): Promise<void>;
}

let traces: Row[] = [];
const context = (dequeueCount = 1) =>
  new InvocationContext({
    invocationId: 'heal',
    functionName: 'heal',
    triggerMetadata: { dequeueCount },
    logHandler: (_l, ...args) => void traces.push({ message: args.map(String).join(' '), customDimensions: {} }),
  });

function side(w: ChaosWorld, azurite: Azurite, extra: Env = {}): Side {
  const env = { ...w.env, AzureWebJobsStorage: azurite.connectionString, ...extra };
  const services = new Services(env);
  const h = handlersFor(services, runQueueFrom(env));
  return {
    env,
    services,
    h,
    queue: new QueueClient(azurite.connectionString, RUNS_QUEUE),
    async close() {
      await h.directory.close();
      await services.close();
    },
  };
}

const post = (job: string) => new HttpRequest({ method: 'POST', url: `http://localhost/api/${job}` });

/** Every message waiting, delivered as the host would (JSON decoded); a thrown delivery goes back with its count. */
async function drain(s: Side, rounds = 6): Promise<number> {
  let delivered = 0;
  for (let round = 0; round < rounds; round++) {
    const { receivedMessageItems: items } = await s.queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 1 });
    if (items.length === 0) return delivered;
    for (const item of items) {
      const body = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8'));
      await s.queue.deleteMessage(item.messageId, item.popReceipt);
      await s.h.runQueueHandler(body, context(item.dequeueCount)).catch(() => {});
      delivered++;
    }
  }
  return delivered;
}

/** Runs left queued or running (no live holder once every delivery is done), and the truth in BatiSimply. */
async function leftovers(w: ChaosWorld): Promise<string[]> {
  const { rows } = await w.t.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM connecteur_runs WHERE status IN ('queued', 'running')`,
  );
  return rows[0]!.n > 0 ? [`${rows[0]!.n} exécution(s) restée(s) queued/running`] : [];
}

/** The step the chain's tick must run through here (the world has no Batigest: its steps fail by design). */
const CHECKED_STEP = { chantiers: 'transfer-batisimply', heures: 'recup-heures' } as const;

async function ranAgain(w: ChaosWorld, s: Side, chain: 'chantiers' | 'heures'): Promise<string[]> {
  // One timer tick after recovery: it queues (or finds the dead run and reclaims it), then it runs.
  await s.h.timerFunctions[chain === 'chantiers' ? 'chantiersTimer' : 'heuresTimer']!.handler({} as Timer, context());
  await drain(s);
  const step = CHECKED_STEP[chain];
  const { rows } = await w.t.db.query<{ status: string }>(
    `SELECT s.status FROM connecteur_runs s JOIN connecteur_runs c ON c.run_id = s.parent_run_id
     WHERE c.job = $1 AND s.job = $2 ORDER BY c.started_at DESC LIMIT 1`,
    [chain, step],
  );
  return rows[0]?.status === 'succeeded' ? [] : [`${chain} relancé, ${step} : ${rows[0]?.status ?? 'pas exécuté'}`];
}

/** Connections to the campaign's database ended by the server, as a restart or failover ends them. */
async function terminateAll(gate: pg.Client) {
  await gate.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
}

async function holdTable(w: ChaosWorld, table: string): Promise<pg.Client> {
  const gate = new pg.Client({ connectionString: w.t.url.replace(/:[^:@/]*@/, '@') });
  await gate.connect();
  await gate.query('BEGIN');
  await gate.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return gate;
}

const runningRow = (w: ChaosWorld) =>
  until('une exécution running', async () => (await w.t.db.query(`SELECT run_id FROM connecteur_runs WHERE status = 'running'`)).rows[0]);

export async function healCases(w: ChaosWorld) {
  const queries = bicepQueries(await readFile(path.join(ROOT, 'infra/modules/alerts.bicep'), 'utf8'));
  const fired = (q: string) => runKql(queries[q]!, { traces });
  const unhandled: string[] = [];
  const onError = (error: unknown) => void unhandled.push(String((error as Error)?.message ?? error));
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  let azurite = await startAzurite();
  const died = () => (unhandled.length > 0 ? [`erreur non gérée : ${unhandled.splice(0).join(' | ')}`] : []);
  try {
    await attempt('guérison : Azurite arrêté pendant des exécutions en file', async () => {
      await w.reset();
      let s = side(w, azurite);
      const res = (await s.h.jobHandler('chantiers')(post('chantiers'), context())) as HttpResponseInit;
      if (res.status !== 202) return [`POST chantiers ${res.status}`];
      await azurite.stop();
      const refused = (await s.h.jobHandler('heures')(post('heures'), context())) as HttpResponseInit;
      await s.close();
      azurite = await startAzurite();
      s = side(w, azurite);
      // The in-memory queue lost its message: the row is past its last delivery once that much time went by.
      await w.t.db.query(`UPDATE connecteur_runs SET queued_at = now() - interval '31 minutes' WHERE status = 'queued'`);
      const problems = [...(refused.status === 502 ? [] : [`POST heures file arrêtée : ${refused.status}`])];
      problems.push(...(await ranAgain(w, s, 'chantiers')), ...(await leftovers(w)), ...died());
      problems.push(...(await w.differences({ chantiers: true, heures: false })));
      if (fired('queueAgeQuery').length === 0) problems.push('alerte âge de file/exécution reprise muette');
      await s.close();
      return problems;
    });

    await attempt('guérison : worker tué pendant une exécution de la file, message redélivré', async () => {
      await w.reset();
      traces = [];
      const s = side(w, azurite);
      const gate = await holdTable(w, 'batigest_chantiers');
      const serve = await startServe(s.env);
      await s.h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context());
      const { run_id: runId } = (await runningRow(w)) as { run_id: string };
      serve.child.removeAllListeners('exit');
      const gone = new Promise((r) => serve.child.once('exit', r));
      serve.child.kill('SIGKILL');
      await gone;
      await gate.query('COMMIT');
      await gate.end();
      // The host hands the message over again once its visibility ends: the same body, dequeueCount 2.
      await until('verrou du mort libéré', async () => (await w.heldLocks()) === 0);
      await s.h.runQueueHandler({ runId, job: 'transfer-batisimply', company: 'default' }, context(2));
      const problems = [...(await leftovers(w)), ...died(), ...(await w.differences({ chantiers: true, heures: false }))];
      await s.queue.clearMessages();
      await s.close();
      return problems;
    });

    await attempt('guérison : staging injoignable à chaque livraison', async () => {
      await w.reset();
      traces = [];
      const s = side(w, azurite);
      await s.h.jobHandler('recup-heures')(post('recup-heures'), context());
      const {
        receivedMessageItems: [item],
      } = await s.queue.receiveMessages({ numberOfMessages: 1 });
      const body = JSON.parse(Buffer.from(item!.messageText, 'base64').toString('utf8'));
      await s.queue.deleteMessage(item!.messageId, item!.popReceipt);
      const down = side(w, azurite, { STAGING_DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/absente' });
      const thrown: number[] = [];
      for (let count = 1; count <= 5; count++) await down.h.runQueueHandler(body, context(count)).catch(() => void thrown.push(count));
      await down.close();
      const problems: string[] = [];
      if (thrown.length !== 5)
        problems.push(`livraisons jetées ${thrown.join(',')} (attendu 1..5 : la dernière va à la file des abandons)`);
      if (fired('runFailedQuery').length !== 0) problems.push('alerte échec déclenchée par une livraison à retenter');
      // The poison queue's handler, staging back.
      await s.h.poisonQueueHandler(body, context());
      if (fired('poisonQuery').length === 0) problems.push('alerte file des abandons muette');
      if (fired('runFailedQuery').length !== 1) problems.push('alerte échec : une ligne finale attendue');
      problems.push(...(await leftovers(w)), ...(await ranAgain(w, s, 'heures')), ...died());
      await s.close();
      return problems;
    });

    await attempt('guérison : réglages restants d’une société retirée', async () => {
      await w.reset();
      const s = side(w, azurite, { COMPANY_FANTOME__BATIGEST_SQL_SERVER: 'sql.fantome', COMPANY_FANTOME__CHANTIERS_ETATS: 'E' });
      const problems = [...(await ranAgain(w, s, 'chantiers')), ...(await leftovers(w)), ...died()];
      if (!traces.some((r) => /COMPANY_FANTOME__BATIGEST_SQL_SERVER/.test(String(r.message)))) problems.push('avertissement absent');
      problems.push(...(await w.differences({ chantiers: true, heures: false })));
      await s.close();
      return problems;
    });

    await attempt('guérison : deux démarrages HTTP simultanés ×20', async () => {
      await w.reset();
      const s = side(w, azurite);
      const problems: string[] = [];
      for (let round = 1; round <= 20; round++) {
        const answers = (await Promise.all(
          [1, 2].map(() => s.h.jobHandler('transfer-batisimply')(post('transfer-batisimply'), context())),
        )) as HttpResponseInit[];
        const statuses = answers
          .map((a) => a.status)
          .sort()
          .join(',');
        if (statuses !== '202,409') problems.push(`tour ${round} : ${statuses}`);
        await drain(s);
      }
      problems.push(...(await leftovers(w)), ...died(), ...(await w.differences({ chantiers: true, heures: false })));
      await s.close();
      return problems;
    });

    for (const [job, table] of [
      ['transfer-batisimply', 'batigest_chantiers'],
      ['recup-heures', 'batigest_heures'],
      ['update-code-projet', 'batigest_heures'],
    ] as const) {
      await attempt(`guérison : pg_terminate_backend pendant ${job}`, async () => {
        await w.reset();
        const s = side(w, azurite);
        const gate = await holdTable(w, table);
        await s.h.jobHandler(job)(post(job), context());
        const delivered = drain(s);
        await runningRow(w);
        await terminateAll(gate);
        await gate.query('COMMIT');
        await gate.end();
        await delivered;
        const problems = [...died()];
        // The next timer tick heals what the failover left.
        problems.push(...(await ranAgain(w, s, job === 'transfer-batisimply' ? 'chantiers' : 'heures')), ...(await leftovers(w)));
        const { rows } = await w.t.db.query<{ status: string; message: string | null }>(
          `SELECT status, message FROM connecteur_runs WHERE job = $1 ORDER BY started_at LIMIT 1`,
          [job],
        );
        note(
          `guérison : pg_terminate_backend pendant ${job}`,
          `exécution coupée : ${rows[0]?.status} (${(rows[0]?.message ?? '').slice(0, 80)})`,
        );
        await s.close();
        return problems;
      });
    }
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
    await azurite.stop();
  }
}
