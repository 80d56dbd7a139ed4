/**
 * `npm run test:chaos`: the built CLI against the sandbox under faults (~20 % of answers), lost
 * responses, creates applied after the client gave up, lying paging, a token endpoint that echoes
 * its form, a window of empty answers, a real mass deletion, and `kill -9` at
 * drawn observable points, each followed by re-runs checked against the truth: no duplicate
 * project, staging equal to BatiSimply, no lock or run left behind. Every output and a dump of
 * the staging database are then scanned for the secrets, which hold & = " % \ + and a space.
 * Seeded (CHAOS_SEED), bounded (a few minutes), a summary table, exit 1 on any failure.
 */
import type { ChildProcess } from 'node:child_process';
import { Services } from '../../src/lib/services.js';
import type { FaultRule } from '../../src/sandbox/faults.js';
import { startFunctionsServer, TEST_KEY } from '../support/functionsServer.js';
import { handlersFor } from '../support/handlers.js';
import { dumpTables, findSecrets, NASTY_SECRETS } from '../support/secretScan.js';
import { between, prng } from './prng.js';
import { delayedApplyCase, emptyWindowCase, lyingPagingCase, massDeleteCase } from './guards.js';
import { attempt, note, printTable, record } from './table.js';
import { healCases } from './heal.js';
import { CHANTIERS, ChaosWorld, CLIENT_ID, until } from './world.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261128);
const KILLS = Number(process.env.CHAOS_KILLS ?? 8);
/** The whole campaign is stopped, and failed, past this. */
const BOUND_MS = Number(process.env.CHAOS_BOUND_MS ?? 8 * 60_000);
const ROUNDS = 6;

const FAULT_MODES: [string, FaultRule[]][] = [
  ...(['429', '500', '503', 'reset', 'lost-response'] as const).map((fault): [string, FaultRule[]] => [
    `fautes ${fault} à 20 %`,
    [{ route: '*', fault, rate: 0.2, retryAfterSeconds: 0 }],
  ]),
  ['réponses lentes à 20 %', [{ route: '*', fault: 'latency', rate: 0.2, latencyMs: 300 }]],
  [
    'fautes mêlées à 20 %',
    (['429', '503', 'reset', 'lost-response'] as const).map((fault) => ({ route: '*', fault, rate: 0.055, retryAfterSeconds: 0 })),
  ],
];

async function faultCase(w: ChaosWorld, name: string, rules: FaultRule[]) {
  await attempt(name, async () => {
    await w.reset();
    w.faults(rules);
    const pushed = await w.converge(name, 'transfer-batisimply', ROUNDS);
    const fetched = await w.converge(name, 'recup-heures', ROUNDS);
    w.faults([]);
    const problems = await w.differences({ chantiers: true, heures: true });
    if (!pushed) problems.unshift(`transfer-batisimply sans succès en ${ROUNDS} exécutions`);
    if (!fetched) problems.unshift(`recup-heures sans succès en ${ROUNDS} exécutions`);
    return problems;
  });
}

/**
 * An HTML page with status 200 is not retried (it is no answer to parse): runs fail with a clear
 * message and nothing wrong written, then converge once the pages stop.
 */
async function malformedCase(w: ChaosWorld) {
  const name = 'pages HTML (statut 200) à 20 %';
  await attempt(name, async () => {
    await w.reset();
    w.faults([{ route: '*', fault: 'html', rate: 0.2 }]);
    for (const job of ['transfer-batisimply', 'recup-heures']) await w.converge(name, job, 2);
    const problems = (await w.differences({ chantiers: false, heures: false })).map((p) => `pendant : ${p}`);
    const wrong = await w.t.db.query<{ code: string }>(`SELECT code FROM batigest_chantiers WHERE sync AND batisimply_id IS NULL`);
    if (wrong.rows.length > 0) problems.push(`${wrong.rows.length} chantier(s) marqués envoyés sans projet`);
    w.faults([]);
    if (!(await w.converge(name, 'transfer-batisimply', 2))) problems.push('transfer-batisimply sans succès après les pannes');
    if (!(await w.converge(name, 'recup-heures', 2))) problems.push('recup-heures sans succès après les pannes');
    problems.push(...(await w.differences({ chantiers: true, heures: true })));
    return problems;
  });
}

async function echoCase(w: ChaosWorld) {
  await attempt('jeton : formulaire renvoyé en 401', async () => {
    await w.reset();
    w.faults([{ route: 'POST /token', fault: 'echo-form' }]);
    const problems: string[] = [];
    for (const args of [
      ['run', 'recup-heures', '--json'],
      ['run', 'transfer-batisimply'],
      ['check', '--json'],
      ['status', '--json'],
    ]) {
      const r = await w.cli('écho', args);
      if (args[0] === 'run' && r.code === 0) problems.push(`${args.join(' ')} a réussi malgré le refus`);
    }
    // The compiled HTTP handlers, as the Functions host serves them, with the same settings.
    const services = new Services(w.env);
    const server = await startFunctionsServer(handlersFor(services));
    // What the handlers log (through InvocationContext, to the console here) is scanned too.
    const logged: string[] = [];
    const consoleMethods = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
    for (const name of Object.keys(consoleMethods) as (keyof typeof consoleMethods)[]) {
      console[name] = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    }
    try {
      for (const [method, route, body] of [
        ['POST', 'recup-heures', undefined],
        ['POST', 'transfer-batisimply?dryRun=true', '{}'],
        ['POST', 'connect-batisimply', '{}'],
        ['GET', 'status?check=true', undefined],
        ['GET', 'dashboard', undefined],
      ] as const) {
        const res = await fetch(`${server.url}/api/${route}`, { method, body, headers: { 'x-functions-key': TEST_KEY } });
        const text = await res.text();
        w.outputs.push({ label: `écho : ${method} /api/${route}`, text });
        if (method === 'POST' && (res.status === 200 || res.status === 201) && /"status":\s*"succeeded"/.test(text)) {
          problems.push(`${route} a réussi malgré le refus`);
        }
      }
    } finally {
      Object.assign(console, consoleMethods);
      w.outputs.push({ label: 'écho : journaux des fonctions', text: logged.join('\n') });
      await server.close();
      await services.close();
    }
    if (!w.outputs.some((o) => o.label.startsWith('écho') && /invalid_request/.test(o.text))) problems.push("l'écho n'a pas été reçu");
    w.faults([]);
    return problems;
  });
}

type KillPoint = { what: string; reached: (w: ChaosWorld) => Promise<boolean> };

function drawKillPoint(random: () => number, job: string): KillPoint {
  const kind = between(random, 0, 2);
  if (kind === 0) {
    return {
      what: 'exécution enregistrée',
      reached: async (w) =>
        (await w.t.db.query(`SELECT 1 FROM connecteur_runs WHERE job = $1 AND status = 'running'`, [job])).rows.length > 0,
    };
  }
  if (job === 'transfer-batisimply') {
    const k = between(random, 1, CHANTIERS);
    return kind === 1
      ? { what: `${k}e création reçue`, reached: async (w) => w.sandbox.count('POST /api/project') >= k }
      : {
          what: `${k} chantiers marqués envoyés`,
          reached: async (w) =>
            (await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers WHERE sync')).rows[0]!.n >= k,
        };
  }
  const k = between(random, 1, 3);
  return { what: `${k}e lecture de créneaux reçue`, reached: async (w) => w.sandbox.count('GET /api/timeSlotManagement/allUsers') >= k };
}

async function killCase(w: ChaosWorld, random: () => number, i: number) {
  const job = random() < 0.6 ? 'transfer-batisimply' : 'recup-heures';
  const point = drawKillPoint(random, job);
  await attempt(`kill -9 puis reprise (${job})`, async () => {
    await w.reset();
    // Slow answers keep the run mid-way long enough to be seen there.
    w.faults([{ route: '*', fault: 'latency', latencyMs: 40 }]);
    let child: ChildProcess | undefined;
    let exited = false;
    const finished = w.cli(`kill ${i}`, ['run', job, '--json'], (c) => (child = c)).finally(() => (exited = true));
    await until(`point « ${point.what} »`, async () => exited || (await point.reached(w)));
    const killedMidRun = !exited && child!.kill('SIGKILL');
    await finished;
    await until('requêtes en cours au bac à sable', async () => w.sandbox.inFlight === 0);
    await until('verrous du processus tué', async () => (await w.heldLocks()) === 0);
    const problems: string[] = [];
    if (killedMidRun) {
      const status = await w.cli(`kill ${i}`, ['status', '--json']);
      const last = (JSON.parse(status.stdout) as { lastRuns: { job: string; status: string }[] }).lastRuns.find((r) => r.job === job);
      if (last?.status !== 'interrupted') problems.push(`status montre « ${last?.status} » au lieu de « interrupted »`);
    }
    w.faults([]);
    if (!(await w.converge(`kill ${i}`, job, 2))) problems.push('reprise sans succès');
    problems.push(...(await w.differences({ chantiers: job === 'transfer-batisimply', heures: job === 'recup-heures' })));
    note(`kill -9 puis reprise (${job})`, `${killedMidRun ? 'tué' : 'fini avant'} à « ${point.what} »`);
    return problems;
  });
}

function secretScan(w: ChaosWorld, dumps: string[]) {
  const texts = [...w.outputs, ...dumps.map((text, i) => ({ label: `dump ${i + 1} du staging`, text }))];
  for (const { label, text } of texts) {
    const found = findSecrets(text, NASTY_SECRETS, CLIENT_ID);
    record('aucun secret dans les sorties et le dump', found.length === 0, found.length ? `${label} : ${found.join(', ')}` : undefined);
  }
}

async function main() {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    record('durée bornée', false, `plus de ${BOUND_MS / 1000} s`);
    printTable();
    process.exit(1);
  }, BOUND_MS);
  const random = prng(SEED);
  const w = await ChaosWorld.open(prng(SEED ^ 0x5eed));
  const dumps: string[] = [];
  try {
    for (const [name, rules] of FAULT_MODES) {
      await faultCase(w, name, rules);
      dumps.push(await dumpTables(w.t.db));
    }
    await malformedCase(w);
    dumps.push(await dumpTables(w.t.db));
    await echoCase(w);
    dumps.push(await dumpTables(w.t.db));
    await delayedApplyCase(w);
    dumps.push(await dumpTables(w.t.db));
    await lyingPagingCase(w);
    await emptyWindowCase(w);
    await massDeleteCase(w);
    await healCases(w);
    for (let i = 1; i <= KILLS; i++) {
      await killCase(w, random, i);
      dumps.push(await dumpTables(w.t.db));
    }
    secretScan(w, dumps);
  } finally {
    clearTimeout(watchdog);
    await w.close();
  }
  process.stdout.write(`\nGraine ${SEED}, ${w.outputs.length} sorties du CLI, ${((Date.now() - started) / 1000).toFixed(0)} s.\n`);
  return printTable();
}

main().then(
  (failures) => process.exit(failures > 0 ? 1 : 0),
  (error: unknown) => {
    process.stderr.write(`Campagne interrompue : ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
