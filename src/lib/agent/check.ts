/**
 * `connecteur agent check`: what the agent needs, tested from its machine: SQL Server, the
 * staging (and its schema version against the agent's), the heartbeat write (in a transaction
 * rolled back: it proves the privilege and leaves no agent seen). BatiSimply too for `--role all`.
 */
import { hostname } from 'node:os';
import { ConfigurationError } from '../errors.js';
import type { Services } from '../services.js';
import { writeHeartbeat } from '../staging/agent.js';
import { checkBatisimply, checkPostgres, checkSqlServer, timed, type CheckResult } from '../ops/checks.js';
import type { AgentRole } from './plan.js';
import { schemaMismatch, schemaVersions } from './schemaCheck.js';

class RolledBack extends Error {}

export async function checkAgent(services: Services, role: AgentRole, version: string): Promise<CheckResult[]> {
  const results = await Promise.all([
    checkSqlServer(services),
    checkPostgres(services),
    ...(role === 'all' ? [checkBatisimply(services)] : []),
  ]);
  results.push(
    await timed('schema', async () => {
      const mismatch = await schemaMismatch(services, role);
      if (mismatch) throw new ConfigurationError(mismatch.message, { code: 'CONFIG_SCHEMA_MISMATCH' });
      return `version ${(await schemaVersions(services)).known}, celle que connaît cet agent.`;
    }),
  );
  results.push(
    await timed('heartbeat', async () => {
      const db = await services.staging();
      const { known, found } = await schemaVersions(services);
      try {
        await db.transaction(async (tx) => {
          const beat = {
            agentId: `${hostname()}:check`,
            host: hostname(),
            version,
            role,
            pid: process.pid,
            schemaKnown: known,
            schemaFound: found,
          };
          await writeHeartbeat(tx, { ...beat, schedules: {}, shortestPeriodSeconds: null }, true);
          throw new RolledBack();
        });
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
      }
      return 'écriture permise (essai annulé, rien n’est enregistré).';
    }),
  );
  return results;
}
