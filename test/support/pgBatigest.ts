/**
 * A Batigest stand-in over a PostgreSQL schema of the test database, for processes that are
 * killed: its SuiviMO survives the process and is transactional like SQL Server's (a write not
 * committed when the process dies is rolled back by the server). It can block inside the n-th
 * SuiviMO transaction, before its commit, on an advisory lock the test holds (BLOCK_KEY): the
 * test sees the agent waiting there (pg_locks), then kills or stops it.
 */
import pg from 'pg';
import type { BatigestPort, SuiviMoTransaction } from '../../src/lib/batigest/port.js';
import type { ChantierSource } from '../../src/lib/domain/chantier.js';
import type { Salarie } from '../../src/lib/domain/salarie.js';
import type { SuiviMoKey, SuiviMoOp, SuiviMoRow } from '../../src/lib/domain/suiviMo.js';

export const STANDIN_SCHEMA = 'batigest_site';
/** The advisory lock a blocked SuiviMO transaction waits for. */
export const BLOCK_KEY = 4242;

export async function createStandIn(url: string, seed: { chantiers: ChantierSource[]; salaries: Salarie[] }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE SCHEMA IF NOT EXISTS ${STANDIN_SCHEMA};
      CREATE TABLE ${STANDIN_SCHEMA}.chantiers (code text PRIMARY KEY, doc jsonb NOT NULL);
      CREATE TABLE ${STANDIN_SCHEMA}.salaries (code text PRIMARY KEY, nom text, code_bs text);
      -- No unique key, as in Batigest: a row written twice would show.
      CREATE TABLE ${STANDIN_SCHEMA}.suivimo (code_chantier text, code_salarie text, date text, nbh0 numeric, trajet int, panier int);`);
    for (const c of seed.chantiers)
      await client.query(`INSERT INTO ${STANDIN_SCHEMA}.chantiers VALUES ($1, $2)`, [c.code, JSON.stringify(c)]);
    for (const s of seed.salaries)
      await client.query(`INSERT INTO ${STANDIN_SCHEMA}.salaries VALUES ($1, $2, $3)`, [s.code, s.nom, s.codeBs]);
  } finally {
    await client.end();
  }
}

export async function suiviMoRows(url: string): Promise<SuiviMoRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      codeChantier: string;
      codeSalarie: string;
      date: string;
      nbh0: string;
      trajet: number;
      panier: number;
    }>(
      `SELECT code_chantier AS "codeChantier", code_salarie AS "codeSalarie", date, nbh0::text AS nbh0, trajet, panier
       FROM ${STANDIN_SCHEMA}.suivimo ORDER BY date, code_chantier`,
    );
    return rows.map((r) => ({ ...r, nbh0: Number(r.nbh0) }));
  } finally {
    await client.end();
  }
}

const KEY = 'code_chantier = $1 AND code_salarie = $2 AND date = $3';

export class PgBatigest implements BatigestPort {
  private readonly pool: pg.Pool;
  private transactions = 0;

  /** `blockAt`: the SuiviMO transaction (1, 2…) that waits for BLOCK_KEY before its commit. */
  constructor(
    url: string,
    private readonly blockAt?: number,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 3, application_name: 'batigest-standin' });
    this.pool.on('error', () => {});
  }

  async readChantiers(etats?: readonly string[]): Promise<ChantierSource[]> {
    const { rows } = await this.pool.query<{ doc: ChantierSource }>(`SELECT doc FROM ${STANDIN_SCHEMA}.chantiers ORDER BY code`);
    return rows.map((r) => r.doc).filter((c) => !etats || etats.includes(c.etat ?? ''));
  }

  async readSalaries(): Promise<Salarie[]> {
    const { rows } = await this.pool.query<Salarie>(`SELECT code, nom, code_bs AS "codeBs" FROM ${STANDIN_SCHEMA}.salaries ORDER BY code`);
    return rows;
  }

  async readChantierEtats(codes: readonly string[]): Promise<Map<string, string | null>> {
    const { rows } = await this.pool.query<{ doc: ChantierSource }>(`SELECT doc FROM ${STANDIN_SCHEMA}.chantiers WHERE code = ANY($1)`, [
      codes,
    ]);
    return new Map(rows.map((r) => [r.doc.code, r.doc.etat]));
  }

  async readSuiviMoBetween(from: string, to: string): Promise<SuiviMoRow[]> {
    const { rows } = await this.pool.query<SuiviMoRow>(
      `SELECT code_chantier AS "codeChantier", code_salarie AS "codeSalarie", date, nbh0::float8 AS nbh0, trajet, panier
       FROM ${STANDIN_SCHEMA}.suivimo WHERE date >= $1 AND date < $2`,
      [from, to],
    );
    return rows;
  }

  async withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const number = ++this.transactions;
    try {
      await client.query('BEGIN');
      const tx: SuiviMoTransaction = {
        read: async (keys: readonly SuiviMoKey[]) => {
          const rows: SuiviMoRow[] = [];
          for (const k of keys) {
            const found = await client.query<SuiviMoRow>(
              `SELECT code_chantier AS "codeChantier", code_salarie AS "codeSalarie", date, nbh0::float8 AS nbh0, trajet, panier
               FROM ${STANDIN_SCHEMA}.suivimo WHERE ${KEY} FOR UPDATE`,
              [k.codeChantier, k.codeSalarie, k.date],
            );
            rows.push(...found.rows);
          }
          return rows;
        },
        apply: async (ops: readonly SuiviMoOp[]) => {
          for (const op of ops) {
            const result =
              op.kind === 'insert'
                ? await client.query(`INSERT INTO ${STANDIN_SCHEMA}.suivimo VALUES ($1, $2, $3, $4, $5, $6)`, [
                    op.row.codeChantier,
                    op.row.codeSalarie,
                    op.row.date,
                    op.row.nbh0,
                    op.row.trajet,
                    op.row.panier,
                  ])
                : op.kind === 'update'
                  ? await client.query(
                      `UPDATE ${STANDIN_SCHEMA}.suivimo SET code_chantier = $4, code_salarie = $5, date = $6, nbh0 = $7, trajet = $8, panier = $9 WHERE ${KEY}`,
                      [
                        op.from.codeChantier,
                        op.from.codeSalarie,
                        op.from.date,
                        op.to.codeChantier,
                        op.to.codeSalarie,
                        op.to.date,
                        op.to.nbh0,
                        op.to.trajet,
                        op.to.panier,
                      ],
                    )
                  : await client.query(`DELETE FROM ${STANDIN_SCHEMA}.suivimo WHERE ${KEY}`, [
                      op.row.codeChantier,
                      op.row.codeSalarie,
                      op.row.date,
                    ]);
            if (result.rowCount !== 1) throw new Error(`SuiviMO : ${op.kind} sans effet unique`);
          }
        },
      };
      const value = await fn(tx);
      if (number === this.blockAt) await client.query('SELECT pg_advisory_xact_lock($1)', [BLOCK_KEY]);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  async ping() {
    await this.pool.query('SELECT 1');
  }

  async close() {
    await this.pool.end();
  }
}

/** True while a SuiviMO transaction of an agent waits on BLOCK_KEY (the lock the test holds). */
export async function agentBlocked(admin: pg.Client | pg.Pool): Promise<boolean> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND classid = 0`,
    [BLOCK_KEY],
  );
  return (rows[0]?.n ?? 0) > 0;
}
