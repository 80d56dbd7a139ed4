/**
 * Messages that name the fix, through the built CLI: each case of the issue "The operator's day"
 * as the command an operator types, what it must print and its exit code.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { insertQueuedRun } from '../../src/lib/staging/runs.js';
import { connecteur } from '../support/cli.js';
import { useWorld } from '../support/fixture.js';
import { freshDatabase } from '../support/pg.js';

const world = useWorld({ stagingInEnv: true, env: { BATISIMPLY_MAX_RETRIES: '0' } });

const missingDatabase = () => {
  const u = new URL(world.t.url);
  u.pathname = '/connecteur_absente';
  return u.toString();
};
/** The example settings' Batigest: a host no DNS resolves. */
const unresolvableBatigest = {
  BATIGEST_SQL_SERVER: 'batigest.example.invalid',
  BATIGEST_SQL_DATABASE: 'BATIGEST_DEMO',
  BATIGEST_SQL_USER: 'connecteur',
  BATIGEST_SQL_PASSWORD: 'changeme-local-only',
};

test('check with the example settings: a missing database is a setting to fix (2), even with Batigest unresolvable', async () => {
  const settings = { ...world.env, ...unresolvableBatigest, STAGING_DATABASE_URL: missingDatabase() };
  const check = await connecteur(['check'], settings);
  assert.equal(check.code, 2, check.stdout);
  assert.match(check.stdout, /PostgreSQL \(staging\) : échec à l'étape « base de données » — .*createdb/);
  assert.match(check.stdout, /SQL Server \(Batigest\) : échec à l'étape « résolution DNS »/);
  const status = await connecteur(['status', '--check'], settings);
  assert.equal(status.code, 2, status.stderr);
  const migrate = await connecteur(['migrate'], settings);
  assert.equal(migrate.code, 2, migrate.stderr);
});

test('check validates every setting that run reads: SYNC_TIMEZONE=Europe/Pari, GEOCODE_ENABLED=oui', async () => {
  const settings = { ...world.env, SYNC_TIMEZONE: 'Europe/Pari', GEOCODE_ENABLED: 'oui' };
  const check = await connecteur(['check'], settings);
  assert.equal(check.code, 2, check.stdout);
  assert.match(check.stdout, /✘ Réglages : .*SYNC_TIMEZONE invalide \(fuseau horaire IANA inconnu/);
  assert.match(check.stdout, /GEOCODE_ENABLED invalide \(true ou false attendu\)/);
  const run = await connecteur(['run', 'transfer-batisimply'], settings);
  assert.equal(run.code, 2, 'run refuses what check refused');
  const fine = await connecteur(['check'], { ...world.env, ...unresolvableBatigest });
  assert.match(fine.stdout, /✔ Réglages : tous valides\./);
});

test('a wrong BATISIMPLY_TOKEN_URL (404) is a setting to fix, named: exit 2', async () => {
  const settings = { ...world.env, BATISIMPLY_TOKEN_URL: `${world.sandbox.url}/auth/realms/autre/token` };
  const run = await connecteur(['run', 'recup-heures'], settings);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /répond 404 : BATISIMPLY_TOKEN_URL \(http:\/\/[^)]+\) ne mène pas au point d'accès des jetons/);
  assert.doesNotMatch(run.stderr, /Réponse inattendue/);
  const check = await connecteur(['check'], { ...settings, ...unresolvableBatigest });
  assert.match(check.stdout, /BatiSimply : échec à l'étape « configuration » — .*BATISIMPLY_TOKEN_URL/);
});

test('a wrong BATISIMPLY_API_URL (404 on a list every account has) is a setting to fix, named: exit 2', async () => {
  const settings = { ...world.env, BATISIMPLY_API_URL: `${world.sandbox.url}/v2` };
  const run = await connecteur(['run', 'recup-heures'], settings);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /BatiSimply répond 404 à GET \/api\/timeSlotManagement\/allUsers : BATISIMPLY_API_URL \(http:\/\/[^)]+\/v2\)/);
  const check = await connecteur(['check'], { ...settings, ...unresolvableBatigest });
  assert.match(check.stdout, /BatiSimply : échec à l'étape « configuration » — .*BATISIMPLY_API_URL/);
});

test('a refused password names BATISIMPLY_USERNAME and BATISIMPLY_PASSWORD in French, Keycloak’s words as a detail', async () => {
  const run = await connecteur(['run', 'recup-heures'], { ...world.env, BATISIMPLY_PASSWORD: 'mauvais' });
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /BatiSimply refuse le compte : vérifiez BATISIMPLY_USERNAME et BATISIMPLY_PASSWORD \(détail du serveur, 401 : invalid_grant : Invalid user credentials\)/,
  );
  const client = await connecteur(['run', 'recup-heures'], { ...world.env, BATISIMPLY_CLIENT_SECRET: 'faux' });
  assert.equal(client.code, 2);
  assert.match(client.stderr, /BatiSimply refuse le client : vérifiez BATISIMPLY_CLIENT_ID et BATISIMPLY_CLIENT_SECRET/);
});

test('several companies: the setting to add carries the company’s prefix, and --company is named', async () => {
  const companies = await connecteur(['companies'], { COMPANIES: 'acme,beta-btp' });
  assert.equal(companies.code, 2);
  assert.match(companies.stdout, /COMPANY_ACME__BATIGEST_SQL_SERVER manquant/);
  assert.match(companies.stdout, /COMPANY_BETA_BTP__BATISIMPLY_USERNAME manquant/);
  assert.doesNotMatch(companies.stdout, /[;:] BATIGEST_SQL_SERVER manquant/);
  const run = await connecteur(['run', 'transfer'], { ...world.env, COMPANIES: 'acme,beta-btp' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /précisez la société avec --company <nom>/);
});

test('wording: an integer setting that is no number, without « NaN reçu »', async () => {
  const run = await connecteur(['run', 'recup-heures'], { ...world.env, HEURES_WINDOW_DAYS: 'abc' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Configuration synchronisation invalide : HEURES_WINDOW_DAYS invalide \(nombre entier de 1 à 366 attendu\)/);
  assert.doesNotMatch(run.stderr, /NaN|incomplète/);
});

test('wording: a malformed local.settings.json is named by its line, in French', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-messages-'));
  try {
    await writeFile(path.join(dir, 'local.settings.json'), '{\n  "Values": {\n    "SYNC_TIMEZONE": "Europe/Paris"\n    "X": 1\n  }\n}\n');
    const r = await connecteur(['status'], {}, undefined, { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /local\.settings\.json illisible : JSON mal formé ligne 4, colonne 5/);
    assert.doesNotMatch(r.stderr, /position|Expected|Unexpected/);
    await writeFile(path.join(dir, 'local.settings.json'), '{ "Values": { "PORT": { "a": 1 } } }');
    const typed = await connecteur(['status'], {}, undefined, { cwd: dir });
    assert.match(typed.stderr, /Values\.PORT : texte, nombre ou booléen attendu/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('wording: a wrong STAGING_DATABASE_URL is said once', async () => {
  const r = await connecteur(['migrate'], { STAGING_DATABASE_URL: 'http://serveur/base' });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.match(/STAGING_DATABASE_URL invalide/g)?.length, 1, r.stderr);
});

test('wording: zod’s type messages agree in French (no « chaîne de caractères reçu »)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-seed-'));
  try {
    const seed = path.join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify({ timeSlots: [{ id: 'x', startDate: 12 }] }));
    const r = await connecteur(['sandbox', '--seed', seed, '--port', '0'], {});
    assert.equal(r.code, 2);
    assert.match(r.stderr, /timeSlots\.0\.startDate : texte attendu, nombre reçu/);
    assert.doesNotMatch(r.stderr, /chaîne de caractères reçu/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('wording: a day that does not exist is refused, not read as 2 March', async () => {
  const r = await connecteur(['audit', '--from', '2026-02-30', '--to', '2026-03-10'], world.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--from invalide : « 2026-02-30 » \(date AAAA-MM-JJ existante attendue\)/);
});

test('help: an unknown command is said so; options read French (--company <nom>)', async () => {
  const nope = await connecteur(['help', 'nope'], {});
  assert.equal(nope.code, 2);
  assert.match(nope.stderr, /commande inconnue « nope »/);
  for (const command of ['run', 'check', 'status', 'audit', 'migrate', 'serve']) {
    const help = await connecteur([command, '--help'], {});
    assert.equal(help.code, 0);
    assert.doesNotMatch(help.stdout, /<name>|\(default:|Usage:|Options:/, command);
  }
  assert.match((await connecteur(['run', '--help'], {})).stdout, /--company <nom>/);
});

test('pending hours: only what heures-to-sqlserver would write, the slots not validated apart', async () => {
  await world.db.query(
    `INSERT INTO batigest_heures (id_heure, date_debut, status_management, total_heure, sync) VALUES
       ('1', '2026-11-02 08:00', 'VALIDATED', 60, false), ('2', '2026-11-02 10:00', 'VALIDATED', 60, false),
       ('3', '2026-11-02 14:00', 'PENDING', 60, false)`,
  );
  const r = await connecteur(['status'], world.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /2 créneau\(x\) horaire\(s\) à exporter vers SuiviMO, dont 0 retenu\(s\)/);
  assert.match(r.stdout, /À part : 1 créneau\(x\) pas encore validé\(s\) dans BatiSimply/);
  const json = JSON.parse((await connecteur(['status', '--json'], world.env)).stdout) as { pending: Record<string, number> };
  assert.deepEqual(json.pending, { chantiers: 0, heures: 2, heuresHeld: 0, heuresNotValidated: 1 });
});

test('a queued run with no consumer shows in status, and holds its job for a plain run too', async () => {
  const runId = '00000000-0000-4000-8000-00000000abcd';
  await insertQueuedRun(world.db, { runId, job: 'recup-heures', trigger: 'cli', dryRun: false });
  const status = await connecteur(['status'], world.env);
  assert.match(
    status.stdout,
    new RegExp(`En file d’attente : recup-heures depuis le \\d{2}/\\d{2}/\\d{4} \\d{2}:\\d{2}:\\d{2} \\(exécution ${runId}\\)`),
  );
  const run = await connecteur(['run', 'recup-heures'], world.env);
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, new RegExp(`déjà en file d’attente depuis le .*\\(exécution ${runId}\\)`));
  assert.equal(world.sandbox.count('GET /api/timeSlotManagement/allUsers'), 0, 'nothing ran');
});

test('the audit’s remedies as commands: chantiers renvoyer, heures renvoyer (exit 2 for an unknown key)', async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Un', true), ('CH 2''X', 'Deux', true)`);
  await world.db.query(
    `INSERT INTO batigest_heures (id_heure, status_management, total_heure, sync) VALUES ('4711', 'VALIDATED', 60, true)`,
  );
  const chantiers = await connecteur(['chantiers', 'renvoyer', 'CH001', "CH 2'X"], world.env);
  assert.equal(chantiers.code, 0, chantiers.stderr);
  assert.match(chantiers.stdout, /2 chantier\(s\) à renvoyer \(CH001, CH 2'X\) : lancez « connecteur run transfer-batisimply »/);
  const synced = await world.db.query<{ code: string; sync: boolean }>('SELECT code, sync FROM batigest_chantiers ORDER BY code');
  assert.deepEqual(
    synced.rows.map((r) => [r.code, r.sync]),
    [
      ["CH 2'X", false],
      ['CH001', false],
    ],
  );
  const heures = await connecteur(['heures', 'renvoyer', '4711', '9999'], world.env);
  assert.equal(heures.code, 2);
  assert.match(
    heures.stdout,
    /1 créneau\(x\) à renvoyer \(4711\) : lancez « connecteur run heures-to-sqlserver »\.\nInconnu\(s\) en staging : 9999\./,
  );
  assert.equal((await world.db.query<{ sync: boolean }>(`SELECT sync FROM batigest_heures WHERE id_heure = '4711'`)).rows[0]?.sync, false);
});

test('one rule for the schema: opening an empty staging creates it and says so, once', async () => {
  const empty = await freshDatabase({ migrate: false });
  try {
    const first = await connecteur(['status'], { STAGING_DATABASE_URL: empty.url });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /"message":"Schéma de staging créé \(version \d+\)\."/);
    const second = await connecteur(['status'], { STAGING_DATABASE_URL: empty.url });
    assert.doesNotMatch(second.stderr, /Schéma de staging/);
  } finally {
    await empty.drop();
  }
});
