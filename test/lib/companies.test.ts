import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMPANY_SETTINGS, describeCompanies, findCompany, leftoverCompanySettings, listCompanies } from '../../src/lib/companies.js';
import { ALL_SCHEMAS } from '../../src/lib/config.js';
import { ConfigurationError } from '../../src/lib/errors.js';

const flat = {
  STAGING_DATABASE_URL: 'postgresql://u@h/db',
  BATIGEST_SQL_SERVER: 'sql.siege',
  BATISIMPLY_API_URL: 'https://api.batisimply.fr',
  BATISIMPLY_CLIENT_ID: 'siege',
  SYNC_TIMEZONE: 'Europe/Paris',
};

describe('companies from the settings', () => {
  test('no COMPANIES: the single company default, on the flat settings, in public', () => {
    const [only, ...rest] = listCompanies(flat);
    assert.equal(rest.length, 0);
    assert.equal(only!.name, 'default');
    assert.equal(only!.schema, 'public');
    assert.equal(only!.env.BATIGEST_SQL_SERVER, 'sql.siege');
    assert.equal(findCompany(flat, undefined).name, 'default');
  });

  test('COMPANIES=acme,beta: each takes its own settings, its schema, its secret names', () => {
    const env = {
      ...flat,
      COMPANIES: 'acme, beta-btp',
      COMPANY_ACME__BATIGEST_SQL_SERVER: 'sql.acme',
      COMPANY_BETA_BTP__CHANTIERS_ETATS: 'E,T',
    };
    const [acme, beta] = listCompanies(env);
    assert.equal(acme!.env.BATIGEST_SQL_SERVER, 'sql.acme');
    assert.equal(acme!.schema, 'company_acme');
    assert.equal(beta!.schema, 'company_beta_btp');
    // A company's own settings are never borrowed from the flat ones (another company's database).
    assert.equal(beta!.env.BATIGEST_SQL_SERVER, undefined);
    assert.equal(beta!.env.BATISIMPLY_CLIENT_ID, undefined);
    assert.equal(beta!.env.CHANTIERS_ETATS, 'E,T');
    // Shared settings are.
    assert.equal(beta!.env.BATISIMPLY_API_URL, 'https://api.batisimply.fr');
    assert.equal(beta!.env.STAGING_DATABASE_URL, flat.STAGING_DATABASE_URL);
    const [described] = describeCompanies(env);
    assert.ok(described!.secrets.includes('acme-batigest-sql-password'));
    assert.ok(described!.secrets.includes('staging-database-url'), 'the staging database is shared');
  });

  test('default listed with others keeps the flat settings and public', () => {
    const [def, acme] = listCompanies({ ...flat, COMPANIES: 'default,acme' });
    assert.equal(def!.schema, 'public');
    assert.equal(def!.env.BATIGEST_SQL_SERVER, 'sql.siege');
    assert.equal(acme!.env.BATIGEST_SQL_SERVER, undefined);
  });

  test('several companies and none named: a run is refused, naming them', () => {
    assert.throws(() => findCompany({ ...flat, COMPANIES: 'acme,beta' }, undefined), /Plusieurs sociétés configurées \(acme, beta\)/);
    assert.throws(() => findCompany({ ...flat, COMPANIES: 'acme,beta' }, 'gamma'), /Société inconnue « gamma »/);
  });

  test('a setting for a company that is not listed is a leftover: named in a warning, nothing refused', () => {
    const env = { ...flat, COMPANIES: 'acme', COMPANY_GAMMA__BATIGEST_SQL_SERVER: 'x' };
    assert.deepEqual(
      listCompanies(env).map((c) => [c.name, c.problem]),
      [['acme', undefined]],
    );
    assert.deepEqual(leftoverCompanySettings(env), ['COMPANY_GAMMA__BATIGEST_SQL_SERVER']);
  });

  test('a company setting that is not a company setting fails that company alone', () => {
    const [acme] = listCompanies({ ...flat, COMPANIES: 'acme', COMPANY_ACME__STAGING_DATABASE_URL: 'x' });
    assert.match(acme!.problem ?? '', /n’est pas un réglage propre à une société/);
  });

  test('malformed or repeated names are refused', () => {
    assert.throws(() => listCompanies({ COMPANIES: 'Acme' }), ConfigurationError);
    assert.throws(() => listCompanies({ COMPANIES: 'acme,acme' }), /en double/);
  });

  // acme- would read its settings as COMPANY_ACME___…, split at the first `__`: the whole configuration refused.
  for (const name of ['acme-', 'a--b', '-acme', '1acme', 'a'.repeat(31)])
    test(`company name ${JSON.stringify(name)}: refused, naming COMPANIES`, () => {
      assert.throws(() => listCompanies({ COMPANIES: `ok,${name}` }), /COMPANIES invalide/);
    });

  test('company names with single dashes and digits pass', () => {
    assert.deepEqual(
      listCompanies({ COMPANIES: 'a1-b2-c3,beta-btp,' + 'x'.repeat(30) }).map((c) => c.schema),
      ['company_a1_b2_c3', 'company_beta_btp', 'company_' + 'x'.repeat(30)],
    );
  });

  test("the deployment's secrets keep one name whatever the company; the company's get its prefix", () => {
    const [acme] = describeCompanies({ COMPANIES: 'acme' });
    assert.ok(acme!.secrets.includes('agent-staging-password') && acme!.secrets.includes('alert-webhook-url'));
    assert.ok(acme!.secrets.includes('acme-batigest-sql-password'));
  });

  test('every per-company setting is a setting the code reads (drift)', () => {
    const known = new Set(Object.values(ALL_SCHEMAS).flatMap((s) => Object.keys((s as unknown as { shape: object }).shape)));
    assert.deepEqual(
      COMPANY_SETTINGS.filter((s) => !known.has(s)),
      [],
    );
    assert.ok(COMPANY_SETTINGS.includes('BATIGEST_SQL_SERVER') && COMPANY_SETTINGS.includes('BATISIMPLY_HEADQUARTER_ID'));
  });

  test('connecteur companies shows what is missing, never a value', () => {
    const [acme] = describeCompanies({ ...flat, COMPANIES: 'acme', COMPANY_ACME__BATIGEST_SQL_PASSWORD: 'Tres-Secret-9' });
    assert.match(acme!.sections.batigest!, /BATIGEST_SQL_SERVER manquant/);
    assert.doesNotMatch(JSON.stringify(acme), /Tres-Secret-9/);
  });
});
