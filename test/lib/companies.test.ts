import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  COMPANY_OWN_SETTINGS,
  COMPANY_SETTINGS,
  companyPrefix,
  companySecretName,
  companySettingName,
  DEFAULT_COMPANY,
  describeCompanies,
  findCompany,
  leftoverCompanySettings,
  listCompanies,
  pickCompany,
} from '../../src/lib/companies.js';
import { CompanyDirectory, companyServices } from '../../src/lib/companyServices.js';
import { Services } from '../../src/lib/services.js';
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

describe('companies: names, prefixes, problems, and each company’s services', () => {
  const BATIGEST = { BATIGEST_SQL_SERVER: 's', BATIGEST_SQL_DATABASE: 'd', BATIGEST_SQL_USER: 'u', BATIGEST_SQL_PASSWORD: 'p' };
  const refused = (env: Record<string, string>) => {
    try {
      listCompanies(env);
    } catch (e) {
      assert.ok(e instanceof ConfigurationError);
      assert.equal(e.code, 'CONFIG_INVALID');
      return e.message;
    }
    return assert.fail('accepted');
  };

  test('setting names: a company’s own ones carry its prefix, shared ones and the default company’s do not', () => {
    assert.equal(companyPrefix('beta-btp'), 'COMPANY_BETA_BTP__');
    const acme = companySettingName('acme');
    assert.equal(acme('BATIGEST_SQL_SERVER'), 'COMPANY_ACME__BATIGEST_SQL_SERVER');
    assert.equal(acme('HEURES_WINDOW_DAYS'), 'COMPANY_ACME__HEURES_WINDOW_DAYS');
    assert.equal(acme('SYNC_TIMEZONE'), 'SYNC_TIMEZONE');
    assert.equal(companySettingName(DEFAULT_COMPANY)('BATIGEST_SQL_SERVER'), 'BATIGEST_SQL_SERVER');
    assert.equal(companySecretName('acme-', 'BATISIMPLY_CLIENT_SECRET'), 'acme-batisimply-client-secret');
    assert.equal(companySecretName('acme-', 'STAGING_DATABASE_URL'), 'staging-database-url');
    assert.equal(companySecretName('', 'BATIGEST_SQL_PASSWORD'), 'batigest-sql-password');
    assert.ok(COMPANY_OWN_SETTINGS.includes('BATISIMPLY_HEADQUARTER_ID') && !COMPANY_OWN_SETTINGS.includes('SYNC_TIMEZONE'));
    assert.ok(COMPANY_SETTINGS.includes('SYNC_TIMEZONE') && COMPANY_SETTINGS.includes('BATISIMPLY_API_URL'));
    assert.equal(new Set(COMPANY_SETTINGS).size, COMPANY_SETTINGS.length);
  });

  test('every problem is named at once; blank values are ignored', () => {
    assert.equal(
      refused({
        COMPANIES: 'default,acme',
        COMPANY_DEFAULT__BATIGEST_SQL_SERVER: 'x',
        COMPANY_ACME: 'x',
        COMPANY_ACME__NOPE: 'x',
        COMPANY_BETA__BATIGEST_SQL_SERVER: ' ',
      }),
      'Configuration sociétés invalide : COMPANY_DEFAULT__BATIGEST_SQL_SERVER : la société default garde les réglages sans préfixe ; COMPANY_ACME ne correspond à aucune société de COMPANIES ; COMPANY_ACME__NOPE : NOPE n’est pas un réglage propre à une société',
    );
    assert.equal(listCompanies({ COMPANIES: 'acme', COMPANY_BETA__BATIGEST_SQL_SERVER: ' ' }).length, 1);
    assert.equal(listCompanies({ COMPANIES: 'acme', COMPANY_BETA__BATIGEST_SQL_SERVER: undefined }).length, 1);
    assert.match(refused({ COMPANIES: 'Acme' }), /^Configuration sociétés invalide : COMPANIES invalide \(noms de société en minuscules/);
    // Other settings that start like COMPANIES are not company settings.
    assert.equal(listCompanies({ COMPANIES_NOTE: 'x' })[0]!.name, 'default');
  });

  test('a named company: its own settings from its prefix, shared ones inherited or overridden, other companies’ left out', () => {
    const [acme] = listCompanies({
      COMPANIES: 'acme,beta',
      SYNC_TIMEZONE: 'Europe/Paris',
      HEURES_WINDOW_DAYS: '35',
      BATIGEST_SQL_SERVER: 'flat',
      COMPANY_ACME__SYNC_TIMEZONE: 'UTC',
      COMPANY_ACME__HEURES_WINDOW_DAYS: '7',
      COMPANY_BETA__BATIGEST_SQL_SERVER: 'beta',
    });
    assert.deepEqual(acme, {
      name: 'acme',
      schema: 'company_acme',
      secretPrefix: 'acme-',
      env: { COMPANIES: 'acme,beta', SYNC_TIMEZONE: 'UTC', HEURES_WINDOW_DAYS: '7' },
    });
    const env = { BATIGEST_SQL_SERVER: 'flat' };
    assert.deepEqual(listCompanies(env), [{ name: 'default', schema: 'public', secretPrefix: '', env }]);
  });

  test('picking a company: the only one, the one named, or a French refusal with its code', () => {
    const companies = listCompanies({ COMPANIES: 'acme,beta' });
    assert.equal(pickCompany(companies, 'beta').name, 'beta');
    assert.throws(
      () => pickCompany(companies, null),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        e.code === 'COMPANY_REQUIRED' &&
        e.message ===
          'Plusieurs sociétés configurées (acme, beta) : précisez la société avec --company <nom> (ou ?company=<nom> sur une route HTTP).',
    );
    assert.throws(
      () => pickCompany(companies, 'gamma'),
      (e: unknown) =>
        e instanceof ConfigurationError && e.code === 'BAD_INPUT' && e.message === 'Société inconnue « gamma » (configurées : acme, beta).',
    );
    assert.equal(pickCompany(listCompanies({ COMPANIES: 'acme' }), '').name, 'acme');
  });

  test('connecteur companies: each section ok or its problem under the company’s names; secrets in Key Vault count as set', () => {
    const [acme] = describeCompanies({
      COMPANIES: 'acme',
      ...Object.fromEntries(Object.entries(BATIGEST).map(([k, v]) => [`COMPANY_ACME__${k}`, v])),
    });
    assert.equal(acme!.name, 'acme');
    assert.equal(acme!.schema, 'company_acme');
    assert.equal(acme!.sections.batigest, 'ok');
    assert.equal(acme!.sections.sync, 'ok');
    assert.match(
      acme!.sections.batisimply!,
      /^Configuration batisimply incomplète : BATISIMPLY_API_URL manquant ; .*COMPANY_ACME__BATISIMPLY_CLIENT_ID manquant/,
    );
    assert.deepEqual(acme!.secrets, [
      'acme-batigest-sql-password',
      'acme-batisimply-client-secret',
      'acme-batisimply-password',
      'staging-database-url',
      'alert-webhook-url',
      'agent-staging-password',
    ]);
    const withoutPassword = { ...BATIGEST, BATIGEST_SQL_PASSWORD: undefined } as unknown as Record<string, string>;
    assert.match(describeCompanies(withoutPassword)[0]!.sections.batigest!, /BATIGEST_SQL_PASSWORD manquant/);
    assert.equal(describeCompanies({ ...withoutPassword, KEY_VAULT_URL: 'https://v.vault.azure.net' })[0]!.sections.batigest, 'ok');
  });

  test('the directory opens each company’s services once, in its schema, and closes them', async () => {
    const env = { COMPANIES: 'acme,beta', COMPANY_ACME__BATIGEST_SQL_PASSWORD: 'pa', COMPANY_BETA__BATIGEST_SQL_PASSWORD: 'pb' };
    const directory = new CompanyDirectory(env);
    const acme = directory.get('acme');
    assert.equal(directory.get('acme'), acme, 'kept for the process');
    assert.deepEqual(acme.scope, { company: 'acme', schema: 'company_acme' });
    assert.equal(acme.env.BATIGEST_SQL_PASSWORD, 'pa');
    assert.equal(await acme.secrets.get('BATIGEST_SQL_PASSWORD'), 'pa');
    assert.throws(
      () => directory.get(),
      (e: unknown) => e instanceof ConfigurationError && e.code === 'COMPANY_REQUIRED',
    );
    assert.deepEqual(
      directory.select().map((s) => [s.company, s.services.scope.schema]),
      [
        ['acme', 'company_acme'],
        ['beta', 'company_beta'],
      ],
    );
    assert.deepEqual(
      directory.select('beta').map((s) => s.company),
      ['beta'],
    );
    assert.equal(directory.select('acme')[0]!.services, acme);
    // Listed once: settings do not change while a process runs.
    const listed = directory.companies();
    assert.equal(directory.companies(), listed);
    await directory.close();
    assert.notEqual(directory.get('acme'), acme, 'closed services are forgotten');
    await directory.close();
  });

  test('the default company uses the services the caller has, else opens its own; overrides reach every company', async () => {
    const mine = new Services({});
    assert.equal(new CompanyDirectory({}, mine).get(), mine);
    assert.equal(new CompanyDirectory({ COMPANIES: 'default,acme' }, mine).get('default'), mine);
    // Only the default company: another company never gets the caller's services.
    const acme = new CompanyDirectory({ COMPANIES: 'default,acme' }, mine).get('acme');
    assert.notEqual(acme, mine);
    assert.equal(acme.scope.company, 'acme');
    const own = new CompanyDirectory({ BATIGEST_SQL_SERVER: 's' });
    const opened = own.get();
    assert.notEqual(opened, mine);
    assert.deepEqual(opened.scope, { company: 'default', schema: 'public' });
    const secrets = { get: async () => 'du coffre', invalidate: () => {} } as unknown as Services['secrets'];
    const overridden = new CompanyDirectory({ COMPANIES: 'acme' }, undefined, {}, { secrets });
    assert.equal(await overridden.get('acme').secrets.get('BATIGEST_SQL_PASSWORD'), 'du coffre');
    assert.equal(companyServices(listCompanies({ COMPANIES: 'acme' })[0]!, { secrets }).secrets, secrets);
    await Promise.all([own.close(), overridden.close(), mine.close()]);
  });
});
