/**
 * The Batigest adapter: every SQL Server statement of the connector lives here. Typed parameters
 * only, plain SELECT/INSERT/UPDATE/DELETE inside explicit transactions; no MERGE, no prepared
 * statements, no bulk load (see the reference). Table and column names are fixed by Batigest,
 * but for the schema and the two allowance columns, which vary between customers.
 */
import sql from 'mssql';
import type { BatigestSettings } from '../config.js';
import { UpstreamError } from '../errors.js';
import { RETRYABLE_SQLSERVER_NUMBERS } from '../retry.js';
import { sqlDateToWallClock, toIsoDate, wallClockToSqlDate } from '../time.js';
import type { BatigestPort, SuiviMoTransaction } from './port.js';
import type { ChantierSource } from '../domain/chantier.js';
import type { Salarie } from '../domain/salarie.js';
import type { SuiviMoKey, SuiviMoOp, SuiviMoRow } from '../domain/suiviMo.js';

/** Devis.Etat of an accepted quote. */
const DEVIS_ACCEPTE = 3;
/** SQL Server accepts 2,100 parameters per request; the margin is for the driver's own. */
export const MAX_PARAMS = 2_000;

/** Parameters one SuiviMO statement binds: a key is 3, a row 6, an update its new row and old key. */
const OP_PARAMS: Record<SuiviMoOp['kind'], number> = { insert: 6, update: 9, delete: 3 };

/** The requests a read of these keys is sent as: as many keys per request as the parameter limit allows. */
export function suiviMoReadRequests(keys: readonly SuiviMoKey[]): { items: SuiviMoKey[]; params: number }[] {
  return packByParams(keys, () => 3);
}

/** The requests these operations are sent as, packed by their actual parameter counts. */
export function suiviMoApplyRequests(ops: readonly SuiviMoOp[]): { items: SuiviMoOp[]; params: number }[] {
  return packByParams(ops, (op) => OP_PARAMS[op.kind]);
}

function packByParams<T>(items: readonly T[], cost: (item: T) => number): { items: T[]; params: number }[] {
  const out: { items: T[]; params: number }[] = [];
  let current: { items: T[]; params: number } = { items: [], params: 0 };
  for (const item of items) {
    const c = cost(item);
    if (current.params + c > MAX_PARAMS) {
      out.push(current);
      current = { items: [], params: 0 };
    }
    current.items.push(item);
    current.params += c;
  }
  if (current.items.length > 0) out.push(current);
  return out;
}

export interface BatigestSqlOptions {
  config: sql.config;
  /** Reads the password again (from Key Vault) after a refused login: a rotated secret is picked up. */
  refreshPassword?: () => Promise<string | undefined>;
  schema: string;
  trajetColumn: string;
  panierColumn: string;
}

export function sqlOptionsFromSettings(s: BatigestSettings): BatigestSqlOptions {
  return {
    config: {
      server: s.BATIGEST_SQL_SERVER,
      port: s.BATIGEST_SQL_PORT,
      database: s.BATIGEST_SQL_DATABASE,
      user: s.BATIGEST_SQL_USER,
      password: s.BATIGEST_SQL_PASSWORD,
      options: {
        encrypt: s.BATIGEST_SQL_ENCRYPT,
        trustServerCertificate: s.BATIGEST_SQL_TRUST_SERVER_CERTIFICATE,
        // Dates are sent as their UTC fields: see wallClockToSqlDate.
        useUTC: true,
        appName: 'connecteur-sages',
      },
      pool: { max: 4, min: 0, idleTimeoutMillis: 30_000 },
      connectionTimeout: 15_000,
      requestTimeout: 120_000,
    },
    schema: s.BATIGEST_SQL_SCHEMA,
    trajetColumn: s.BATIGEST_SUIVIMO_TRAJET_COLUMN,
    panierColumn: s.BATIGEST_SUIVIMO_PANIER_COLUMN,
  };
}

export function batigestError(error: unknown, action: string, where?: string): UpstreamError {
  const at = where ? ` sur ${where}` : '';
  const code = (error as { code?: string }).code ?? '';
  const number = (error as { number?: number }).number;
  if (code === 'ELOGIN') {
    return new UpstreamError('batigest', `SQL Server${at} a refusé la connexion (${action}) : identifiant ou mot de passe.`, {
      code: 'BATIGEST_LOGIN_FAILED',
      retryable: false,
      cause: error,
    });
  }
  if (['ESOCKET', 'ETIMEOUT', 'ECONNCLOSED', 'ENOTOPEN', 'EINSTLOOKUP'].includes(code)) {
    return new UpstreamError('batigest', `SQL Server injoignable${at} (${action}, ${code}).`, {
      code: 'BATIGEST_UNREACHABLE',
      cause: error,
    });
  }
  const retryable = number !== undefined && RETRYABLE_SQLSERVER_NUMBERS.has(number);
  return new UpstreamError('batigest', `Erreur SQL Server (${action}) : ${(error as Error).message}`, {
    code: number ? `BATIGEST_SQL_${number}` : 'BATIGEST_SQL_ERROR',
    retryable,
    cause: error,
  });
}

const text = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = String(v).trimEnd();
  return s === '' ? null : s;
};

export class SqlServerBatigest implements BatigestPort {
  private pool: sql.ConnectionPool | undefined;
  private readonly t: { chantier: string; devis: string; salarie: string; suiviMo: string };
  private readonly trajet: string;
  private readonly panier: string;

  constructor(private readonly options: BatigestSqlOptions) {
    const q = (name: string) => `[${options.schema}].[${name}]`;
    this.t = { chantier: q('ChantierDef'), devis: q('Devis'), salarie: q('Salarie'), suiviMo: q('SuiviMO') };
    this.trajet = `[${options.trajetColumn}]`;
    this.panier = `[${options.panierColumn}]`;
  }

  private async connected(): Promise<sql.ConnectionPool> {
    if (!this.pool) {
      try {
        this.pool = await this.connect(this.options.config);
      } catch (error) {
        const refreshed = (error as { code?: string }).code === 'ELOGIN' ? await this.options.refreshPassword?.() : undefined;
        if (!refreshed || refreshed === this.options.config.password)
          throw batigestError(error, 'connexion', `${this.options.config.server}:${this.options.config.port ?? 1433}`);
        this.options.config.password = refreshed;
        try {
          this.pool = await this.connect(this.options.config);
        } catch (retryError) {
          throw batigestError(retryError, 'connexion', `${this.options.config.server}:${this.options.config.port ?? 1433}`);
        }
      }
    }
    return this.pool;
  }

  private async connect(config: sql.config): Promise<sql.ConnectionPool> {
    const pool = new sql.ConnectionPool(config);
    pool.on('error', () => {});
    await pool.connect();
    return pool;
  }

  private async inTransaction<T>(action: string, fn: (tx: sql.Transaction) => Promise<T>): Promise<T> {
    const pool = await this.connected();
    const tx = new sql.Transaction(pool);
    try {
      await tx.begin();
    } catch (error) {
      throw batigestError(error, action);
    }
    try {
      const value = await fn(tx);
      await tx.commit();
      return value;
    } catch (error) {
      await tx.rollback().catch(() => {});
      throw error instanceof UpstreamError ? error : batigestError(error, action);
    }
  }

  async ping() {
    await this.inTransaction('test de connexion', async (tx) => {
      await new sql.Request(tx).query(`SELECT TOP (1) Code FROM ${this.t.chantier}`);
    });
  }

  async readChantiers(etats?: readonly string[]): Promise<ChantierSource[]> {
    return this.inTransaction('lecture des chantiers', async (tx) => {
      const request = new sql.Request(tx).input('devisAccepte', sql.Int, DEVIS_ACCEPTE);
      let filter = '';
      if (etats && etats.length > 0) {
        etats.forEach((etat, i) => request.input(`etat${i}`, sql.NVarChar(10), etat));
        filter = `WHERE c.Etat IN (${etats.map((_, i) => `@etat${i}`).join(', ')})`;
      }
      // Hours sold: Devis has no known link to a chantier, only to the client, so (like the
      // earlier tool) every chantier of a client gets the sum of the client's accepted quotes.
      const result = await request.query(`
        SELECT c.Code, c.Libelle, c.NomClient, c.DateDebut, c.DateFin, c.AdrChantier, c.CPChantier,
               c.VilleChantier, c.Etat,
               (SELECT SUM(d.TempsMO) FROM ${this.t.devis} d
                 WHERE d.CodeClient = c.CodeClient AND d.Etat = @devisAccepte) AS TotalMO
        FROM ${this.t.chantier} c
        ${filter}
        ORDER BY c.Code`);
      return result.recordset.map((r): ChantierSource => ({
        code: String(r.Code).trim(),
        libelle: text(r.Libelle),
        nomClient: text(r.NomClient),
        dateDebut: toIsoDate(r.DateDebut),
        dateFin: toIsoDate(r.DateFin),
        adrChantier: text(r.AdrChantier),
        cpChantier: text(r.CPChantier),
        villeChantier: text(r.VilleChantier),
        etat: text(r.Etat),
        totalMo: r.TotalMO === null || r.TotalMO === undefined ? null : Number(r.TotalMO),
      }));
    });
  }

  async readSalaries(): Promise<Salarie[]> {
    return this.inTransaction('lecture des salariés', async (tx) => {
      const result = await new sql.Request(tx).query(`SELECT Code, Nom, CodeBS FROM ${this.t.salarie} ORDER BY Code`);
      return result.recordset.map((r) => ({
        code: String(r.Code).trim(),
        nom: text(r.Nom),
        codeBs: text(r.CodeBS)?.trim().toLowerCase() ?? null,
      }));
    });
  }

  async readChantierEtats(codes: readonly string[]): Promise<Map<string, string | null>> {
    const etats = new Map<string, string | null>();
    if (codes.length === 0) return etats;
    return this.inTransaction('lecture des états de chantier', async (tx) => {
      for (const { items: chunk } of packByParams(codes, () => 1)) {
        const request = new sql.Request(tx);
        chunk.forEach((code, i) => request.input(`c${i}`, sql.VarChar(8), code));
        const result = await request.query(
          `SELECT Code, Etat FROM ${this.t.chantier} WHERE Code IN (${chunk.map((_, i) => `@c${i}`).join(', ')})`,
        );
        for (const r of result.recordset) etats.set(String(r.Code).trim(), text(r.Etat));
      }
      return etats;
    });
  }

  async readSuiviMoBetween(from: string, to: string): Promise<SuiviMoRow[]> {
    return this.inTransaction('lecture de SuiviMO', async (tx) => {
      const result = await new sql.Request(tx)
        .input('from', sql.DateTime, wallClockToSqlDate(`${from}T00:00`))
        .input('to', sql.DateTime, wallClockToSqlDate(`${to}T00:00`)).query(`
          SELECT CodeChantier, CodeSalarie, [Date], NbH0, ${this.trajet} AS Trajet, ${this.panier} AS Panier
          FROM ${this.t.suiviMo}
          WHERE [Date] >= @from AND [Date] < @to
          ORDER BY CodeChantier, CodeSalarie, [Date]`);
      return result.recordset.map(toSuiviMoRow);
    });
  }

  withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
    return this.inTransaction('écriture SuiviMO', (tx) =>
      fn({ read: (keys) => this.readSuiviMo(tx, keys), apply: (ops) => this.applySuiviMo(tx, ops) }),
    );
  }

  private async readSuiviMo(tx: sql.Transaction, keys: readonly SuiviMoKey[]): Promise<SuiviMoRow[]> {
    const rows: SuiviMoRow[] = [];
    for (const { items: chunk } of suiviMoReadRequests(keys)) {
      const request = new sql.Request(tx);
      const where = chunk.map((key, i) => {
        bindKey(request, `k${i}`, key);
        return `(CodeChantier = @k${i}c AND CodeSalarie = @k${i}s AND [Date] = @k${i}d)`;
      });
      // UPDLOCK + HOLDLOCK: no one writes these keys between this read and the commit.
      const result = await request.query(`
        SELECT CodeChantier, CodeSalarie, [Date], NbH0, ${this.trajet} AS Trajet, ${this.panier} AS Panier
        FROM ${this.t.suiviMo} WITH (UPDLOCK, HOLDLOCK)
        WHERE ${where.join(' OR ')}`);
      for (const r of result.recordset) rows.push(toSuiviMoRow(r));
    }
    return rows;
  }

  private async applySuiviMo(tx: sql.Transaction, ops: readonly SuiviMoOp[]): Promise<void> {
    // One request carries many statements: a round trip per batch, not per row.
    for (const { items: chunk } of suiviMoApplyRequests(ops)) {
      const request = new sql.Request(tx);
      const statements = chunk.map((op, i) => {
        const p = `o${i}`;
        // Each statement must touch exactly one row; anything else rolls the batch back.
        const guard = `IF @@ROWCOUNT <> 1 THROW 50001, N'SuiviMO : opération ${i} (${op.kind}) sans effet unique', 1;`;
        switch (op.kind) {
          case 'insert':
            bindRow(request, p, op.row);
            return `INSERT INTO ${this.t.suiviMo} (CodeChantier, CodeSalarie, [Date], NbH0, ${this.trajet}, ${this.panier})
                    VALUES (@${p}c, @${p}s, @${p}d, @${p}h, @${p}t, @${p}p);
                    ${guard}`;
          case 'update':
            bindRow(request, p, op.to);
            bindKey(request, `${p}old`, op.from);
            return `UPDATE ${this.t.suiviMo}
                    SET CodeChantier = @${p}c, CodeSalarie = @${p}s, [Date] = @${p}d, NbH0 = @${p}h,
                        ${this.trajet} = @${p}t, ${this.panier} = @${p}p
                    WHERE CodeChantier = @${p}oldc AND CodeSalarie = @${p}olds AND [Date] = @${p}oldd;
                    ${guard}`;
          case 'delete':
            bindKey(request, p, op.row);
            return `DELETE FROM ${this.t.suiviMo}
                    WHERE CodeChantier = @${p}c AND CodeSalarie = @${p}s AND [Date] = @${p}d;
                    ${guard}`;
        }
      });
      await request.query(statements.join('\n'));
    }
  }

  async close() {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }
}

function bindKey(request: sql.Request, p: string, key: SuiviMoKey) {
  request.input(`${p}c`, sql.VarChar(8), key.codeChantier);
  request.input(`${p}s`, sql.VarChar(50), key.codeSalarie);
  request.input(`${p}d`, sql.DateTime, wallClockToSqlDate(key.date));
}

function bindRow(request: sql.Request, p: string, row: SuiviMoRow) {
  bindKey(request, p, row);
  request.input(`${p}h`, sql.Decimal(18, 4), row.nbh0);
  request.input(`${p}t`, sql.Int, row.trajet);
  request.input(`${p}p`, sql.Int, row.panier);
}

/** A row of the SuiviMO selects above (allowance columns aliased Trajet and Panier): codes are CHAR, padded. */
function toSuiviMoRow(r: Record<string, unknown>): SuiviMoRow {
  return {
    codeChantier: String(r.CodeChantier).trim(),
    codeSalarie: String(r.CodeSalarie).trim(),
    date: sqlDateToWallClock(r.Date as Date),
    nbh0: Number(r.NbH0 ?? 0),
    trajet: Number(r.Trajet ?? 0),
    panier: Number(r.Panier ?? 0),
  };
}
