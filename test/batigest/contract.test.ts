/**
 * The Batigest adapter's SQL against a real T-SQL engine. Runs where BATIGEST_TEST_SQL_URL is set
 * (mssql://user:password@host:port/database?trustServerCertificate=true); says loudly that it was
 * skipped otherwise (a failure where REQUIRE_SQLSERVER=1). It creates its own schema with the tables
 * of test/batigest/schema.sql and drops them after, so it can run against any database it is pointed at.
 *
 * Each test owns its rows: SuiviMO is emptied before each one, and the rows seeded in `before`
 * (chantiers, devis, salariés) are only read. The order of the tests is shuffled on every run; the
 * seed is printed and in the suite's name, and BATIGEST_CONTRACT_SEED=<seed> replays that order.
 */
// The wall-clock round trip must not depend on the machine's zone: pin it under Europe/Paris.
process.env.TZ = 'Europe/Paris';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import sql from 'mssql';
import { SqlServerBatigest, suiviMoApplyRequests, type BatigestSqlOptions } from '../../src/lib/batigest/sqlserver.js';
import type { SuiviMoRow } from '../../src/lib/domain/suiviMo.js';
import { orderSeed, shuffled } from '../support/order.js';
import { skipUnless } from '../support/required.js';

const URL_SETTING = process.env.BATIGEST_TEST_SQL_URL;
const SKIP = skipUnless(
  'SQLSERVER',
  !!URL_SETTING,
  'Batigest contract suite: no SQL Server, BATIGEST_TEST_SQL_URL is not set (mssql://user:password@host:port/database?trustServerCertificate=true)',
);
const SEED = orderSeed('BATIGEST_CONTRACT_SEED');
if (!SKIP)
  process.stdout.write(`Batigest contract suite: tests in a shuffled order, seed ${SEED} (BATIGEST_CONTRACT_SEED=${SEED} replays it)\n`);

export function configFromUrl(value: string): sql.config {
  const url = new URL(value);
  if (url.protocol !== 'mssql:') throw new Error('BATIGEST_TEST_SQL_URL: mssql://… attendu');
  const flag = (name: string, fallback: boolean) => (url.searchParams.has(name) ? url.searchParams.get(name) === 'true' : fallback);
  return {
    server: url.hostname,
    port: url.port ? Number(url.port) : 1433,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'master',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    options: { encrypt: flag('encrypt', true), trustServerCertificate: flag('trustServerCertificate', false), useUTC: true },
  };
}

const schema = `connecteur_test_${randomBytes(4).toString('hex')}`;
let admin: sql.ConnectionPool;
let adapter: SqlServerBatigest;

async function script(file: string) {
  const text = await readFile(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/batigest', file), 'utf8');
  for (const batch of text.replaceAll('{{schema}}', schema).split(/^GO\s*$/m)) {
    if (batch.trim()) await admin.request().batch(batch);
  }
}

/** `count` distinct wall-clock half hours of a month from its first day at midnight, one key each. */
function halfHours(month: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const day = String(Math.floor(i / 48) + 1).padStart(2, '0');
    const hour = String(Math.floor((i % 48) / 2)).padStart(2, '0');
    return `${month}-${day}T${hour}:${i % 2 === 0 ? '00' : '30'}`;
  });
}

describe(`Batigest SQL Server contract (order seed ${SEED})`, { skip: SKIP }, () => {
  /** The tests, registered once all are known, in the seed's order. */
  const cases: [name: string, fn: () => Promise<void>][] = [];
  const contract = (name: string, fn: () => Promise<void>) => void cases.push([name, fn]);

  before(async () => {
    const config = configFromUrl(URL_SETTING!);
    admin = await new sql.ConnectionPool(config).connect();
    await admin.request().batch(`CREATE SCHEMA [${schema}]`);
    await script('schema.sql');
    const options: BatigestSqlOptions = { config, schema, trajetColumn: 'NbH3', panierColumn: 'NbH4' };
    adapter = new SqlServerBatigest(options);
    await admin.request().batch(`
      INSERT INTO [${schema}].ChantierDef (Code, Libelle, NomClient, CodeClient, DateDebut, DateFin, AdrChantier, CPChantier, VilleChantier, Etat) VALUES
        ('CH001', N'Rénovation « Château »', 'SARL L''Étoile & Fils <script>x', 'CLI1', '2026-03-01', '2026-06-30', '1 rue A', '34000', 'Montpellier', 'E'),
        ('CH002', 'Extension', 'Client Un', 'CLI1', '2026-04-01', '2026-05-31', NULL, NULL, NULL, 'E'),
        ('CH003', 'Terminé', 'Client Deux', 'CLI2', '2025-01-01', '2025-02-01', NULL, NULL, NULL, 'T');
      INSERT INTO [${schema}].Devis (Code, CodeClient, Etat, TempsMO) VALUES
        ('D1', 'CLI1', 3, 100), ('D2', 'CLI1', 3, 20.5), ('D3', 'CLI1', 0, 999), ('D4', 'CLI1', 4, 999), ('D5', 'CLI2', 3, 7);
      INSERT INTO [${schema}].Salarie (Code, Nom, CodeBS) VALUES
        ('DUPJ', 'DUPONT Jean', '7B5C3F9E-0D5E-4A55-9A63-6F1E8C1A2B3C'), ('SANS', 'DURAND Luc', ''), ('NUL', 'MARTIN', NULL);`);
  });

  beforeEach(async () => {
    await admin.request().batch(`DELETE FROM [${schema}].SuiviMO`);
  });

  after(async () => {
    await adapter?.close();
    if (admin) {
      for (const table of ['SuiviMO', 'Salarie', 'Devis', 'ChantierDef'])
        await admin.request().batch(`DROP TABLE IF EXISTS [${schema}].[${table}]`);
      await admin.request().batch(`DROP SCHEMA IF EXISTS [${schema}]`);
      await admin.close();
    }
  });

  contract('chantiers: every field, intact, with the hours sold of accepted quotes of the client', async () => {
    const rows = await adapter.readChantiers();
    assert.deepEqual(
      rows.map((r) => r.code),
      ['CH001', 'CH002', 'CH003'],
    );
    assert.deepEqual(rows[0], {
      code: 'CH001',
      libelle: 'Rénovation « Château »',
      nomClient: "SARL L'Étoile & Fils <script>x",
      dateDebut: '2026-03-01',
      dateFin: '2026-06-30',
      adrChantier: '1 rue A',
      cpChantier: '34000',
      villeChantier: 'Montpellier',
      etat: 'E',
      totalMo: 120.5,
    });
    // No per-chantier link in Devis: both chantiers of CLI1 get the client's sum (the earlier tool's rule).
    assert.equal(rows[1]?.totalMo, 120.5);
    assert.equal(rows[2]?.totalMo, 7);
  });

  contract('chantiers filtered by Etat', async () => {
    assert.deepEqual(
      (await adapter.readChantiers(['T'])).map((r) => r.code),
      ['CH003'],
    );
  });

  contract('chantier états by code: present ones with their Etat, a deleted code absent', async () => {
    const etats = await adapter.readChantierEtats(['CH001', 'CH003', 'GONE']);
    assert.deepEqual([...etats].sort(), [
      ['CH001', 'E'],
      ['CH003', 'T'],
    ]);
    assert.equal((await adapter.readChantierEtats([])).size, 0);
  });

  contract('chantier états: more codes than one request may carry are split', async () => {
    const codes = Array.from({ length: 2500 }, (_, i) => `X${i}`).concat('CH002');
    assert.deepEqual([...(await adapter.readChantierEtats(codes))], [['CH002', 'E']]);
  });

  contract('salariés: CodeBS normalised, empty is none', async () => {
    assert.deepEqual(await adapter.readSalaries(), [
      { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
      { code: 'NUL', nom: 'MARTIN', codeBs: null },
      { code: 'SANS', nom: 'DURAND Luc', codeBs: null },
    ]);
  });

  const row: SuiviMoRow = { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2026-10-25T02:30', nbh0: 1.3333, trajet: 1, panier: 0 };

  contract('SuiviMO insert: the wall-clock datetime is stored as given, whatever the process zone', async () => {
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'insert', row }]));
    const stored = await admin.request().query(`SELECT CONVERT(varchar(16), [Date], 120) AS d, NbH0, NbH3, NbH4 FROM [${schema}].SuiviMO`);
    assert.deepEqual(stored.recordset, [{ d: '2026-10-25 02:30', NbH0: 1.3333, NbH3: 1, NbH4: 0 }]);
    const read = await adapter.withSuiviMo((tx) => tx.read([row]));
    assert.deepEqual(read, [row]);
  });

  contract('SuiviMO update moves the key; delete removes the row', async () => {
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'insert', row }]));
    const moved = { ...row, date: '2026-10-26T07:00', nbh0: 2 };
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'update', from: row, to: moved }]));
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([row, moved])), [moved]);
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'delete', row: moved }]));
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([moved])), []);
  });

  contract('an operation that touches no row rolls the whole batch back', async () => {
    const other = { ...row, date: '2026-11-02T08:00' };
    await assert.rejects(
      adapter.withSuiviMo((tx) =>
        tx.apply([
          { kind: 'insert', row: other },
          { kind: 'delete', row: { ...row, codeSalarie: 'NOBODY' } },
        ]),
      ),
      /sans effet unique/,
    );
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([other])), []);
  });

  contract('a failure in the caller rolls back what was applied', async () => {
    const other = { ...row, date: '2026-11-03T08:00' };
    await assert.rejects(
      adapter.withSuiviMo(async (tx) => {
        await tx.apply([{ kind: 'insert', row: other }]);
        throw new Error('crash');
      }),
    );
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([other])), []);
  });

  contract('SuiviMO rows of a window, bounds as wall-clock days: from included, to excluded', async () => {
    const inside = { ...row, date: '2027-01-31T23:30', nbh0: 1 };
    const first = { ...row, date: '2027-01-01T00:00', nbh0: 2 };
    const outside = { ...row, date: '2027-02-01T00:00', nbh0: 3 };
    await adapter.withSuiviMo((tx) => tx.apply([inside, first, outside].map((r) => ({ kind: 'insert' as const, row: r }))));
    assert.deepEqual(await adapter.readSuiviMoBetween('2027-01-01', '2027-02-01'), [first, inside]);
  });

  contract('batches larger than the 2,100-parameter limit are split', async () => {
    const rows = halfHours('2026-12', 800).map((date) => ({ ...row, date }));
    await adapter.withSuiviMo((tx) => tx.apply(rows.map((r) => ({ kind: 'insert' as const, row: r }))));
    assert.equal((await adapter.withSuiviMo((tx) => tx.read(rows))).length, 800);
  });

  contract('a mixed batch packed to the parameter limit (updates, deletes and inserts in one request) applies as a whole', async () => {
    // 800 keys of their own: an insert that repeated a key already there would make a read return two rows.
    const keys = halfHours('2027-01', 800).map((date) => ({ ...row, date }));
    const first = keys.slice(0, 600);
    const added = keys.slice(600);
    await adapter.withSuiviMo((tx) => tx.apply(first.map((r) => ({ kind: 'insert' as const, row: r }))));
    // Interleaved, so one request carries the three kinds of statement.
    const ops = Array.from({ length: 200 }, (_, i) => [
      { kind: 'update' as const, from: first[i]!, to: { ...first[i]!, nbh0: 3 } },
      { kind: 'delete' as const, row: first[200 + i]! },
      { kind: 'insert' as const, row: added[i]! },
    ]).flat();
    const requests = suiviMoApplyRequests(ops);
    assert.ok(requests.every((r) => r.params <= 2_000));
    assert.ok(requests.some((r) => new Set(r.items.map((op) => op.kind)).size === 3));
    await adapter.withSuiviMo((tx) => tx.apply(ops));
    const after = await adapter.withSuiviMo((tx) => tx.read(keys));
    assert.equal(after.length, 600);
    assert.equal(after.filter((r) => r.nbh0 === 3).length, 200);
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read(first.slice(200, 400))), []);
  });

  for (const [name, fn] of shuffled(cases, SEED)) test(name, fn);
});
