/**
 * The PostgreSQL role of the on-site agent (`connecteur_agent`): it logs in with its own password
 * and may touch only what the agent's steps need (`transfer`, `heures-to-sqlserver`, the runner's
 * history and the heartbeat), in each company's schema. It owns nothing, so it can neither drop
 * nor alter a table; it never migrates. Advisory locks (the job locks) need no grant.
 */
import type { StagingDb } from './db.js';
import { quoteLiteralBody } from './migrate.js';

export const AGENT_ROLE = 'connecteur_agent';

/** Table → privileges, the agent's whole reach. Anything not listed (geocode cache, alerts…) it cannot read. */
export const AGENT_GRANTS: Readonly<Record<string, string>> = {
  // transfer: upsert of the chantiers, and the ends it notes.
  batigest_chantiers: 'SELECT, INSERT, UPDATE',
  // heures-to-sqlserver: the pending slots, marked synced or held.
  batigest_heures: 'SELECT, UPDATE',
  // The exactly-once ledger of SuiviMO: intents, then confirmations.
  suivimo_ledger: 'SELECT, INSERT, UPDATE',
  // The runner: history, progress, pruning, failed and held records.
  connecteur_runs: 'SELECT, INSERT, UPDATE, DELETE',
  connecteur_record_issues: 'SELECT, INSERT, UPDATE, DELETE',
  connecteur_agent_heartbeats: 'SELECT, INSERT, UPDATE',
  // Read before each step: the agent runs nothing on a schema it does not know.
  connecteur_schema_version: 'SELECT',
};

/** An identifier PostgreSQL takes as written (company schemas are checked names: company_[a-z0-9_]+). */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates the role (or sets its password) and grants it the agent's tables of this staging's
 * schema. Run by the cloud side, which owns the tables, after it migrated them; instances opening
 * together leave it to the one holding the lock.
 */
export async function grantAgentRole(db: StagingDb, password: string): Promise<boolean> {
  const lock = await db.tryLock('connecteur:agent-role');
  if (!lock) return false;
  try {
    const schema = db.schema ?? 'public';
    // CREATE ROLE takes no parameters: the password goes in as a quoted literal, and is never logged
    // (it is a registered secret, masked in any error that would quote it).
    const literal = `'${quoteLiteralBody(password)}'`;
    const { rows } = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found', [AGENT_ROLE]);
    if (rows[0]?.found) await db.query(`ALTER ROLE ${AGENT_ROLE} LOGIN PASSWORD ${literal}`);
    else {
      try {
        await db.query(`CREATE ROLE ${AGENT_ROLE} LOGIN PASSWORD ${literal}`);
      } catch (error) {
        // Another server's connector (a second deployment on the same server) created it meanwhile.
        if ((error as { cause?: { code?: string } }).cause?.code !== '42710') throw error;
        await db.query(`ALTER ROLE ${AGENT_ROLE} LOGIN PASSWORD ${literal}`);
      }
    }
    const grants = Object.entries(AGENT_GRANTS)
      .map(([table, privileges]) => `GRANT ${privileges} ON ${ident(schema)}.${ident(table)} TO ${AGENT_ROLE};`)
      .join('\n');
    await db.exec(`GRANT CONNECT ON DATABASE ${ident(await currentDatabase(db))} TO ${AGENT_ROLE};
GRANT USAGE ON SCHEMA ${ident(schema)} TO ${AGENT_ROLE};
${grants}`);
    return true;
  } finally {
    await lock.release();
  }
}

async function currentDatabase(db: StagingDb): Promise<string> {
  const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
  return rows[0]!.name;
}
