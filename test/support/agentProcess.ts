/**
 * `connecteur agent` in a process of its own, with the Batigest stand-in (pgBatigest.ts) in place
 * of SQL Server: the same command the CLI runs (runAgentCommand), its settings from the
 * environment. STANDIN_URL: the database holding the stand-in; STANDIN_BLOCK_AT: the SuiviMO
 * transaction that waits for the test's lock. Arguments: --role batigest|all [--port N].
 */
import { processEnv } from '../../src/lib/config.js';
import { runAgentCommand } from '../../src/cli/commands/agent.js';
import { PgBatigest } from './pgBatigest.js';

const env = processEnv();
const args = process.argv.slice(2);
const role = args[args.indexOf('--role') + 1] === 'all' ? 'all' : 'batigest';
const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 0;
const blockAt = env.STANDIN_BLOCK_AT ? Number(env.STANDIN_BLOCK_AT) : undefined;
const batigest = new PgBatigest(env.STANDIN_URL!, blockAt);
process.exitCode = await runAgentCommand({ role, port, host: '127.0.0.1' }, env, 'test', { batigest });
await batigest.close();
