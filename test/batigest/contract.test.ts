/**
 * The Batigest adapter's SQL against a real T-SQL engine. Runs where BATIGEST_TEST_SQL_URL is set
 * (mssql://user:password@host:port/database?trustServerCertificate=true); says loudly that it was
 * skipped otherwise. It creates its own schema with the tables of test/batigest/schema.sql and
 * drops them after, so it can run against any database it is pointed at.
 */
// The wall-clock round trip must not depend on the machine's zone: pin it under Europe/Paris.
process.env.TZ = 'Europe/Paris';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import sql from 'mssql';
import { SqlServerBatigest, suiviMoApplyRequests, type BatigestSqlOptions } from '../../src/lib/batigest/sqlserver.js';
import type { SuiviMoRow } from '../../src/lib/domain/suiviMo.js';

const URL_SETTING = process.env.BATIGEST_TEST_SQL_URL;
const SKIP = URL_SETTING
  ? false
  : 'SKIPPED — no SQL Server reachable: set BATIGEST_TEST_SQL_URL=mssql://user:password@host:port/database?trustServerCertificate=true to run the Batigest contract suite';

if (SKIP) {
  process.stdout.write(`\n${'!'.repeat(100)}\n!! Batigest contract suite ${SKIP}\n${'!'.repeat(100)}\n\n`);
}

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

describe('Batigest SQL Server contract', { skip: SKIP }, () => {
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

  after(async () => {
    await adapter?.close();
    if (admin) {
      for (const table of ['SuiviMO', 'Salarie', 'Devis', 'ChantierDef'])
        await admin.request().batch(`DROP TABLE IF EXISTS [${schema}].[${table}]`);
      await admin.request().batch(`DROP SCHEMA IF EXISTS [${schema}]`);
      await admin.close();
    }
  });

  test('chantiers: every field, intact, with the hours sold of accepted quotes of the client', async () => {
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

  test('chantiers filtered by Etat', async () => {
    assert.deepEqual(
      (await adapter.readChantiers(['T'])).map((r) => r.code),
      ['CH003'],
    );
  });

  test('chantier états by code: present ones with their Etat, a deleted code absent', async () => {
    const etats = await adapter.readChantierEtats(['CH001', 'CH003', 'GONE']);
    assert.deepEqual([...etats].sort(), [
      ['CH001', 'E'],
      ['CH003', 'T'],
    ]);
    assert.equal((await adapter.readChantierEtats([])).size, 0);
  });

  test('chantier états: more codes than one request may carry are split', async () => {
    const codes = Array.from({ length: 2500 }, (_, i) => `X${i}`).concat('CH002');
    assert.deepEqual([...(await adapter.readChantierEtats(codes))], [['CH002', 'E']]);
  });

  test('salariés: CodeBS normalised, empty is none', async () => {
    assert.deepEqual(await adapter.readSalaries(), [
      { code: 'DUPJ', nom: 'DUPONT Jean', codeBs: '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c' },
      { code: 'NUL', nom: 'MARTIN', codeBs: null },
      { code: 'SANS', nom: 'DURAND Luc', codeBs: null },
    ]);
  });

  const row: SuiviMoRow = { codeChantier: 'CH001', codeSalarie: 'DUPJ', date: '2026-10-25T02:30', nbh0: 1.3333, trajet: 1, panier: 0 };

  test('SuiviMO insert: the wall-clock datetime is stored as given, whatever the process zone', async () => {
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'insert', row }]));
    const stored = await admin.request().query(`SELECT CONVERT(varchar(16), [Date], 120) AS d, NbH0, NbH3, NbH4 FROM [${schema}].SuiviMO`);
    assert.deepEqual(stored.recordset, [{ d: '2026-10-25 02:30', NbH0: 1.3333, NbH3: 1, NbH4: 0 }]);
    const read = await adapter.withSuiviMo((tx) => tx.read([row]));
    assert.deepEqual(read, [row]);
  });

  test('SuiviMO update moves the key; delete removes the row', async () => {
    const moved = { ...row, date: '2026-10-26T07:00', nbh0: 2 };
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'update', from: row, to: moved }]));
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([row, moved])), [moved]);
    await adapter.withSuiviMo((tx) => tx.apply([{ kind: 'delete', row: moved }]));
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([moved])), []);
  });

  test('an operation that touches no row rolls the whole batch back', async () => {
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

  test('a failure in the caller rolls back what was applied', async () => {
    const other = { ...row, date: '2026-11-03T08:00' };
    await assert.rejects(
      adapter.withSuiviMo(async (tx) => {
        await tx.apply([{ kind: 'insert', row: other }]);
        throw new Error('crash');
      }),
    );
    assert.deepEqual(await adapter.withSuiviMo((tx) => tx.read([other])), []);
  });

  test('SuiviMO rows of a window, bounds as wall-clock days: from included, to excluded', async () => {
    const inside = { ...row, date: '2027-01-31T23:30', nbh0: 1 };
    const first = { ...row, date: '2027-01-01T00:00', nbh0: 2 };
    const outside = { ...row, date: '2027-02-01T00:00', nbh0: 3 };
    await adapter.withSuiviMo((tx) => tx.apply([inside, first, outside].map((r) => ({ kind: 'insert' as const, row: r }))));
    assert.deepEqual(await adapter.readSuiviMoBetween('2027-01-01', '2027-02-01'), [first, inside]);
  });

  test('batches larger than the 2,100-parameter limit are split', async () => {
    const rows = Array.from({ length: 800 }, (_, i) => ({
      ...row,
      date: `2026-12-${String((i % 28) + 1).padStart(2, '0')}T${String(Math.floor(i / 28) % 24).padStart(2, '0')}:${String(Math.floor(i / 672) * 30).padStart(2, '0')}`,
    }));
    await adapter.withSuiviMo((tx) => tx.apply(rows.map((r) => ({ kind: 'insert' as const, row: r }))));
    assert.equal((await adapter.withSuiviMo((tx) => tx.read(rows))).length, 800);
  });

  test('a mixed batch packed to the parameter limit (updates, deletes and inserts in one request) applies as a whole', async () => {
    const at = (i: number) => ({
      ...row,
      codeSalarie: 'DUPJ',
      date: `2027-01-${String((i % 28) + 1).padStart(2, '0')}T${String(Math.floor(i / 28) % 24).padStart(2, '0')}:00`,
    });
    const first = Array.from({ length: 600 }, (_, i) => at(i));
    await adapter.withSuiviMo((tx) => tx.apply(first.map((r) => ({ kind: 'insert' as const, row: r }))));
    const ops = [
      ...first.slice(0, 200).map((r) => ({ kind: 'update' as const, from: r, to: { ...r, nbh0: 3 } })),
      ...first.slice(200, 400).map((r) => ({ kind: 'delete' as const, row: r })),
      ...Array.from({ length: 200 }, (_, i) => ({ kind: 'insert' as const, row: at(600 + i) })),
    ];
    assert.ok(suiviMoApplyRequests(ops).every((r) => r.params <= 2_000));
    await adapter.withSuiviMo((tx) => tx.apply(ops));
    const after = await adapter.withSuiviMo((tx) => tx.read([...first, ...Array.from({ length: 200 }, (_, i) => at(600 + i))]));
    assert.equal(after.length, 600);
    assert.equal(after.filter((r) => r.nbh0 === 3).length, 200);
  });
});
