/**
 * One process serving N companies, as a Functions worker does (bench/companies.ts runs it with
 * N = 1 and N = 200 on the same staging): three timer ticks through the real timer handler onto the
 * queue (the process's first, then two of a running worker), then GET /api/runs without a company and the dashboard's company choice. Prints, as JSON:
 * each tick's time, the vault requests it made (Key Vault answered by a counting stand-in: the
 * stores' caching is what is measured), the pools it opened, the process's peak staging
 * connections, the reads' times, and the process's RSS after a garbage collection.
 * `node --expose-gc dist/bench/companiesChild.js <companies> <staging url> <azurite connection string>`
 */
import functions, { type Timer } from '@azure/functions';
import { performance } from 'node:perf_hooks';
import { createHandlers } from '../src/functions/handlers/index.js';
import { CompanyDirectory } from '../src/lib/companyServices.js';
import { silentSink } from '../src/lib/log.js';
import { companySummaries } from '../src/lib/ops/companySummary.js';
import { runHistory } from '../src/lib/ops/runs.js';
import { StorageRunQueue } from '../src/lib/queue/client.js';
import { KeyVaultSecrets } from '../src/lib/secrets.js';
import { poolsOpened, stagingConnections } from '../src/lib/staging/pool.js';
import { companyNames } from './companiesWorld.js';

const [count, stagingUrl, queueConnection] = [Number(process.argv[2]), process.argv[3]!, process.argv[4]!];

let vaultReads = 0;
(KeyVaultSecrets.prototype as unknown as { client: () => Promise<unknown> }).client = async () => ({
  getSecret: async (name: string) => {
    vaultReads++;
    return { value: name === 'staging-database-url' ? stagingUrl : `secret-${name}` };
  },
});

const env = {
  COMPANIES: companyNames(count).join(','),
  KEY_VAULT_URL: 'https://connecteur-bench.vault.azure.net',
  AzureWebJobsStorage: queueConnection,
  SYNC_TIMEZONE: 'Europe/Paris',
};
const directory = new CompanyDirectory(env);
const handlers = createHandlers({ directory, queue: new StorageRunQueue({ connectionString: queueConnection }), log: silentSink });
const context = () => new functions.InvocationContext({ invocationId: 'bench', functionName: 'chantiersTimer', logHandler: () => {} });
const timer = {} as Timer;

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, stagingConnections())), 2);

async function tick(name: 'chantiersTimer' | 'heuresTimer') {
  const reads = vaultReads;
  const pools = poolsOpened();
  const started = performance.now();
  await (handlers.timerFunctions[name]!.handler as (t: Timer, c: unknown) => Promise<void>)(timer, context());
  return { ms: performance.now() - started, vaultReads: vaultReads - reads, poolsOpened: poolsOpened() - pools };
}

// The process's first tick loads the modules, reads the vault and opens the process's one pool.
const cold = await tick('heuresTimer');
// A tick of a running worker: one message per company.
const first = await tick('chantiersTimer');
// The next period: the messages are still queued, each company records a skipped run.
const second = await tick('chantiersTimer');
let started = performance.now();
const history = await runHistory(directory.select(), { limit: 50 });
const historyMs = performance.now() - started;
started = performance.now();
const summaries = await companySummaries(directory.select());
const summaryMs = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, stagingConnections());
(globalThis as { gc?: () => void }).gc?.();
const rssMb = process.memoryUsage().rss / 1024 / 1024;
await directory.close();
console.log(
  JSON.stringify({ count, cold, first, second, historyMs, history: history.length, summaryMs, summaries: summaries.length, peak, rssMb }),
);
