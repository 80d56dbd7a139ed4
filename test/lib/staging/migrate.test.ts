import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EmbeddedDb } from '../../../src/lib/staging/db.js';
import { migrate } from '../../../src/lib/staging/migrate.js';
import { freshDatabase, type TestDatabase } from '../../support/pg.js';

const dbs: TestDatabase[] = [];
after(async () => {
  for (const d of dbs) await d.drop();
});

test('empty database: every migration applied, then none', async () => {
  const t = await freshDatabase({ migrate: false });
  dbs.push(t);
  const first = await migrate(t.db);
  assert.equal(first.from, 0);
  assert.deepEqual(first.applied, [
    '001.do.chantiers.sql',
    '002.do.heures.sql',
    '003.do.runs.sql',
    '004.do.create-attempts.sql',
    '005.do.heures-hash.sql',
    '006.do.chantier-ends-geocode.sql',
    '007.do.queued-runs.sql',
    '008.do.agent.sql',
    '009.do.one-active-run.sql',
  ]);
  const second = await migrate(t.db);
  assert.deepEqual(second.applied, []);
  assert.equal(second.to, first.to);
});

test("the earlier tool's tables are adopted with their sync state", async () => {
  const t = await freshDatabase({ migrate: false });
  dbs.push(t);
  // As the earlier Python tool created them (psycopg2, loose types).
  await t.db.exec(`
    CREATE TABLE batigest_chantiers (id serial PRIMARY KEY, code varchar(20) UNIQUE, date_debut timestamp, date_fin timestamp,
      nom_client varchar(100), description text, adr_chantier text, cp_chantier varchar(10), ville_chantier text,
      total_mo double precision, sync boolean, sync_date timestamp);
    INSERT INTO batigest_chantiers (code, date_debut, nom_client, total_mo, sync, sync_date)
      VALUES ('CH001', '2025-03-01 00:00', 'Client A', 12.5, true, '2025-03-02 10:00'),
             ('CH002', '2025-04-01 00:00', 'Client B', null, false, null),
             ('CH003', '2025-05-01 00:00', 'Client C', null, null, null);
    CREATE TABLE batigest_heures (id_heure varchar(50) PRIMARY KEY, date_debut timestamp, date_fin timestamp, id_utilisateur varchar(36),
      id_projet integer, status_management varchar(20), total_heure double precision, panier integer, trajet integer,
      code_projet varchar(20), sync boolean);
    INSERT INTO batigest_heures VALUES
      ('101', '2025-05-05 08:00', '2025-05-05 12:00', '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c', 5, 'VALIDATED', 240, 1, 0, 'CH001', true),
      ('102', '2025-05-06 08:00', '2025-05-06 12:00', '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c', 5, 'PENDING', 240, 0, 0, 'CH001', false);
  `);
  await migrate(t.db);
  const { rows: chantiers } = await t.db.query<{ code: string; sync: boolean; date_debut: string; total_mo: number | null }>(
    'SELECT code, sync, date_debut::text, total_mo FROM batigest_chantiers ORDER BY code',
  );
  assert.deepEqual(chantiers, [
    { code: 'CH001', sync: true, date_debut: '2025-03-01', total_mo: 12.5 },
    { code: 'CH002', sync: false, date_debut: '2025-04-01', total_mo: null },
    { code: 'CH003', sync: false, date_debut: '2025-05-01', total_mo: null },
  ]);
  const { rows: heures } = await t.db.query<{ id_heure: string; sync: boolean; panier: boolean }>(
    'SELECT id_heure, sync, panier FROM batigest_heures ORDER BY id_heure',
  );
  assert.deepEqual(heures, [
    { id_heure: '101', sync: true, panier: true },
    { id_heure: '102', sync: false, panier: false },
  ]);
  // The validated slot the earlier tool wrote is known to the ledger: an edit updates its row.
  const { rows: ledger } = await t.db.query<{ id_heure: string; code_chantier: string; date: string; nbh0: number; adopted: boolean }>(
    'SELECT id_heure, code_chantier, date::text, nbh0, adopted FROM suivimo_ledger',
  );
  assert.deepEqual(ledger, [{ id_heure: '101', code_chantier: 'CH001', date: '2025-05-05 08:00:00', nbh0: 4, adopted: true }]);
});

test('embedded PGlite default: migrates and answers', async () => {
  const db = await EmbeddedDb.open(undefined);
  try {
    const result = await migrate(db);
    assert.equal(result.applied.length, 9);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_chantiers');
    assert.equal(rows[0]?.n, 0);
  } finally {
    await db.close();
  }
});
