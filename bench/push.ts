/**
 * Push scenario of `npm run bench`: `transfer-batisimply` creating `n` new projects against the
 * sandbox with `latencyMs` on every call, next to its floor: a bare undici client sending the
 * same POSTs at the same concurrency to the same sandbox. Needs PostgreSQL (TEST_PG_URL).
 */
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { Services } from '../src/lib/services.js';
import { upsertChantiers } from '../src/lib/staging/chantiers.js';
import { runJob } from '../src/lib/sync/runner.js';
import { Sandbox } from '../src/sandbox/server.js';
import { chantier } from '../test/support/chantiers.js';
import { MemoryBatigest } from '../test/support/memoryBatigest.js';
import { freshDatabase } from '../test/support/pg.js';
import { sandboxEnv } from '../test/support/sandbox.js';
import type { RunReport } from '../src/lib/domain/runs.js';
import { toProjectBody } from '../src/lib/batisimply/projectBody.js';

export interface PushBenchOptions {
  n: number;
  latencyMs: number;
  /** BATISIMPLY_CONCURRENCY of the job, and the bare client's number of requests in flight. */
  concurrency: number;
  /** Job and bare client run this many times each, interleaved; the medians are returned. */
  rounds?: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export interface PushBenchResult {
  jobMs: number;
  bareUndiciMs: number;
  ratio: number;
  created: number;
}

export async function benchPush({ n, latencyMs, concurrency, rounds = 1 }: PushBenchOptions): Promise<PushBenchResult> {
  const t = await freshDatabase();
  const sandbox = new Sandbox({ faults: [{ route: '*', fault: 'latency', latencyMs, rate: 1 }] });
  await sandbox.start();
  const env = { ...sandboxEnv(sandbox), BATISIMPLY_CONCURRENCY: String(concurrency), BATISIMPLY_TIMEOUT_MS: '30000' };
  const services = new Services(env, { staging: t.db, batigest: new MemoryBatigest() });
  try {
    const rows = Array.from({ length: n }, (_, i) => chantier(`P${String(i).padStart(6, '0')}`));
    const headQuarter = Number(sandbox.connectorSettings().BATISIMPLY_HEADQUARTER_ID);
    const bodies = rows.map((r) => JSON.stringify(toProjectBody(r, headQuarter)));
    // Both sides meet a sandbox already compiled and warm, whichever runs first.
    await bareClient(sandbox, bodies.slice(0, Math.min(n, 200)), concurrency);
    const job = async () => {
      sandbox.state.load({});
      await t.db.query('TRUNCATE batigest_chantiers');
      await upsertChantiers(t.db, rows);
      const started = performance.now();
      const { report } = await runJob(services, 'transfer-batisimply', { trigger: 'cli' });
      const ms = performance.now() - started;
      const created = (report as RunReport).counts.created;
      if (created !== n) throw new Error(`benchPush: ${created} projects created out of ${n}`);
      return ms;
    };
    const bare = async () => {
      sandbox.state.load({});
      const started = performance.now();
      await bareClient(sandbox, bodies, concurrency);
      return performance.now() - started;
    };
    const jobTimes: number[] = [];
    const bareTimes: number[] = [];
    // Interleaved, each side first in turn, so that a busy moment of the machine falls on both.
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        jobTimes.push(await job());
        bareTimes.push(await bare());
      } else {
        bareTimes.push(await bare());
        jobTimes.push(await job());
      }
    }
    const jobMs = median(jobTimes);
    const bareUndiciMs = median(bareTimes);
    return { jobMs, bareUndiciMs, ratio: jobMs / bareUndiciMs, created: n };
  } finally {
    await services.close();
    await sandbox.stop();
    await t.drop();
  }
}

/** The floor: the same POSTs with undici alone, `concurrency` in flight, each answer read. */
async function bareClient(sandbox: Sandbox, bodies: readonly string[], concurrency: number) {
  const token = sandbox.state.issueToken(3600);
  const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000 });
  const limit = pLimit(concurrency);
  try {
    await Promise.all(
      bodies.map((body) =>
        limit(async () => {
          const res = await request(`${sandbox.url}/api/project`, {
            method: 'POST',
            dispatcher: agent,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'content-type': 'application/json' },
            body,
          });
          if (res.statusCode !== 201) throw new Error(`benchPush: bare POST answered ${res.statusCode}`);
          await res.body.json();
        }),
      ),
    );
  } finally {
    await agent.close();
  }
}

/** `node dist/bench/push.js [n] [latencyMs] [concurrency] [rounds]`: one measurement, printed as JSON. */
if (process.argv[1]?.endsWith('/bench/push.js')) {
  const [n = 2000, latencyMs = 20, concurrency = 8, rounds = 3] = process.argv.slice(2).map(Number);
  const result = await benchPush({ n, latencyMs, concurrency, rounds });
  console.log(
    JSON.stringify({
      n,
      latencyMs,
      concurrency,
      rounds,
      ...result,
      jobMs: Math.round(result.jobMs),
      bareUndiciMs: Math.round(result.bareUndiciMs),
      ratio: Number(result.ratio.toFixed(3)),
    }),
  );
}
