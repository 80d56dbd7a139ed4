/** The audit's reads of the staging: every field of a staged chantier and of a slot with its ledger entry. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditChantiers, auditSlots } from '../../../src/lib/staging/audit.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ sandbox: false });

const USER = '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c';

test('staged chantiers, in code order, with their push and end state', async () => {
  await world.db.exec(`
    INSERT INTO batigest_chantiers (code, description, nom_client, date_debut, date_fin, adr_chantier, cp_chantier, ville_chantier,
        total_mo, etat, sync, last_error, batisimply_id, ended_at, end_reason, fin_state, updated_at)
    VALUES ('CH002', 'Deux', 'Client B', '2026-03-01', '2026-06-30', '1 rue', '34000', 'Montpellier', 12.5, 'E', false, 'refusé', 42,
            now(), 'supprimé de Batigest', 'finished', '2026-03-05 10:11:12+00'),
           ('CH001', 'Un', null, null, null, null, null, null, null, null, true, null, null, null, null, null, '2026-03-04 00:00:00+00')`);
  assert.deepEqual(await auditChantiers(world.db), [
    {
      code: 'CH001',
      libelle: 'Un',
      nomClient: null,
      dateDebut: null,
      dateFin: null,
      adrChantier: null,
      cpChantier: null,
      villeChantier: null,
      totalMo: null,
      etat: null,
      sync: true,
      lastError: null,
      batisimplyId: null,
      endReason: null,
      ended: false,
      finState: null,
      updatedAt: '2026-03-04T00:00:00Z',
    },
    {
      code: 'CH002',
      libelle: 'Deux',
      nomClient: 'Client B',
      dateDebut: '2026-03-01',
      dateFin: '2026-06-30',
      adrChantier: '1 rue',
      cpChantier: '34000',
      villeChantier: 'Montpellier',
      totalMo: 12.5,
      etat: 'E',
      sync: false,
      lastError: 'refusé',
      batisimplyId: 42,
      endReason: 'supprimé de Batigest',
      ended: true,
      finState: 'finished',
      updatedAt: '2026-03-05T10:11:12Z',
    },
  ]);
});

test('a slot of the window with its ledger entry: every field', async () => {
  await world.db.exec(`
    INSERT INTO batigest_heures (id_heure, date_debut, date_fin, id_utilisateur, id_projet, project_code_in_slot, code_projet, status_management,
        total_heure, panier, trajet, user_name, deleted_at, sync, held_code, held_reason, updated_at)
    VALUES ('101', '2026-03-02 08:00', '2026-03-02 12:00', '${USER}', 5, 'CH001', 'CH001', 'VALIDATED', 240, true, false, 'DUPONT Jean',
            now(), false, 'SALARIE_INCONNU', 'inconnu', '2026-03-02 13:00:00+00');
    INSERT INTO suivimo_ledger (id_heure, code_chantier, code_salarie, id_utilisateur, date, nbh0, trajet, panier, intent)
    VALUES ('101', 'CH001', 'DUPJ', '${USER}', '2026-03-02 08:00', 4, 0, 1, '{"target": {"codeChantier": "CH001"}}')`);
  assert.deepEqual(await auditSlots(world.db, '2026-03-02T00:00', '2026-03-03T00:00', []), [
    {
      idHeure: '101',
      staged: true,
      dateDebut: '2026-03-02T08:00',
      dateFin: '2026-03-02T12:00',
      idUtilisateur: USER,
      idProjet: 5,
      projectCodeInSlot: 'CH001',
      codeProjet: 'CH001',
      status: 'VALIDATED',
      totalHeure: 240,
      panier: true,
      trajet: false,
      userName: 'DUPONT Jean',
      deleted: true,
      sync: false,
      heldCode: 'SALARIE_INCONNU',
      heldReason: 'inconnu',
      updatedAt: '2026-03-02T13:00:00Z',
      ledger: { codeChantier: 'CH001', codeSalarie: 'DUPJ', idUtilisateur: USER, date: '2026-03-02T08:00', nbh0: 4, trajet: 0, panier: 1 },
      intent: true,
      intentTarget: { codeChantier: 'CH001' },
    },
  ]);
});

test('a slot with empty fields and no ledger entry: nulls, not undefined', async () => {
  await world.db.exec(`INSERT INTO batigest_heures (id_heure, date_debut, sync) VALUES ('102', '2026-03-02 09:00', true)`);
  const [slot] = await auditSlots(world.db, '2026-03-02T00:00', '2026-03-03T00:00', []);
  assert.deepEqual(slot, {
    idHeure: '102',
    staged: true,
    dateDebut: '2026-03-02T09:00',
    dateFin: null,
    idUtilisateur: null,
    idProjet: null,
    projectCodeInSlot: null,
    codeProjet: null,
    status: null,
    totalHeure: null,
    panier: null,
    trajet: null,
    userName: null,
    deleted: false,
    sync: true,
    heldCode: null,
    heldReason: null,
    updatedAt: slot!.updatedAt,
    ledger: null,
    intent: false,
    intentTarget: null,
  });
  assert.match(slot!.updatedAt!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a ledger entry whose slot is gone: not staged, still synced; an entry without code or date is no ledger', async () => {
  await world.db.exec(`
    INSERT INTO suivimo_ledger (id_heure, code_chantier, date, nbh0, trajet, panier) VALUES ('103', 'CH001', '2026-03-02 10:00', 1.5, 1, 0);
    INSERT INTO batigest_heures (id_heure, date_debut, sync) VALUES ('104', '2026-03-02 11:00', true);
    INSERT INTO suivimo_ledger (id_heure, intent) VALUES ('104', '{}')`);
  const slots = await auditSlots(world.db, '2026-03-02T00:00', '2026-03-03T00:00', []);
  const gone = slots.find((s) => s.idHeure === '103')!;
  assert.deepEqual(
    { staged: gone.staged, sync: gone.sync, dateDebut: gone.dateDebut, updatedAt: gone.updatedAt, ledger: gone.ledger },
    {
      staged: false,
      sync: true,
      dateDebut: null,
      updatedAt: null,
      ledger: { codeChantier: 'CH001', codeSalarie: null, idUtilisateur: null, date: '2026-03-02T10:00', nbh0: 1.5, trajet: 1, panier: 0 },
    },
  );
  const noCode = slots.find((s) => s.idHeure === '104')!;
  assert.deepEqual(
    { ledger: noCode.ledger, intent: noCode.intent, intentTarget: noCode.intentTarget },
    { ledger: null, intent: true, intentTarget: null },
  );
});

test('the window: slots and entries outside it only when their id is asked for', async () => {
  await world.db.exec(`
    INSERT INTO batigest_heures (id_heure, date_debut, sync) VALUES ('201', '2026-03-01 23:59', true), ('202', '2026-03-03 00:00', true),
      ('203', '2026-03-04 08:00', true);
    INSERT INTO suivimo_ledger (id_heure, code_chantier, date, nbh0, trajet, panier) VALUES ('204', 'CH001', '2026-03-03 00:00', 1, 0, 0)`);
  const ids = async (asked: string[]) =>
    (await auditSlots(world.db, '2026-03-02T00:00', '2026-03-03T00:00', asked)).map((s) => s.idHeure).sort();
  assert.deepEqual(await ids([]), []);
  assert.deepEqual(await ids(['203', '204']), ['203', '204']);
});
