/**
 * Companies in the template (infra/companies.bicep), evaluated against the code that reads them
 * (src/lib/config.ts, src/lib/companies.ts): the same names accepted, the same settings, and the
 * app settings of successive provisions — adding a company, removing one — accepted by the app.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { COMPANY_SETTINGS, companySecretName, leftoverWarning, listCompanies } from '../../src/lib/companies.js';
import { companiesSchema, SECRET_SETTINGS, type SecretSetting } from '../../src/lib/config.js';
import { BicepFailure, bicepFunctions, bicepTemplate, type Template, type Value } from './bicep-eval.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let fns: Awaited<ReturnType<typeof bicepFunctions>>;
let main: Template;
let appsettings: Template;
before(async () => {
  fns = await bicepFunctions(await readFile(path.join(ROOT, 'infra/companies.bicep'), 'utf8'));
  main = await bicepTemplate(path.join(ROOT, 'infra/main.bicep'));
  appsettings = await bicepTemplate(path.join(ROOT, 'infra/modules/appsettings.bicep'));
});

const codeAccepts = (name: string) => companiesSchema.safeParse({ COMPANIES: name }).success;

describe('company names', () => {
  const NAMES = [
    'acme',
    'beta-btp',
    'a1-b2-c3',
    'x',
    'default',
    'a'.repeat(30),
    'a'.repeat(31),
    'acme-',
    'a--b',
    '-acme',
    '1acme',
    'Acme',
    'ac_me',
    'ac me',
    'é',
    'a-1',
    'a-',
  ];

  test('the code refuses what would break COMPANY_<NAME>__ settings', () => {
    for (const name of ['acme-', 'a--b', '-acme', '1acme', 'Acme', 'a'.repeat(31)]) assert.equal(codeAccepts(name), false, name);
    for (const name of ['acme', 'beta-btp', 'a1-b2-c3', 'a'.repeat(30)]) assert.equal(codeAccepts(name), true, name);
  });

  for (const name of NAMES)
    test(`${JSON.stringify(name)}: the Bicep and the code agree`, () => {
      assert.equal(fns.isCompanyName!(name), codeAccepts(name));
    });
});

describe('company settings and secrets: the same lists in the Bicep and the code', () => {
  test('the settings a company may set as app settings: COMPANY_SETTINGS less the secrets', () => {
    assert.deepEqual([...(fns.companySettingNames!() as string[])].sort(), COMPANY_SETTINGS.filter((s) => !(s in SECRET_SETTINGS)).sort());
  });

  test("a company's own secrets: the names the code reads after `<company>-`", () => {
    const own = (Object.keys(SECRET_SETTINGS) as SecretSetting[])
      .map((s) => companySecretName('acme-', s))
      .filter((n) => n.startsWith('acme-'))
      .map((n) => n.slice('acme-'.length));
    assert.deepEqual([...(fns.companySecretNames!() as string[])].sort(), own.sort());
  });

  test('the app-setting prefix is the one the code splits', () => {
    assert.equal(fns.companyPrefix!('beta-btp'), 'COMPANY_BETA_BTP__');
  });
});

describe('what the template refuses (main.bicep stops with the message)', () => {
  const problems = (companies: string, settings: Value, secrets: Value = {}) =>
    fns.companyProblems!(companies, settings, secrets) as string[];

  test('a valid set: no problem', () => {
    assert.deepEqual(
      problems(
        'acme, beta-btp',
        { acme: { BATIGEST_SQL_SERVER: '10.0.0.5', BATIGEST_SQL_PORT: 1433 } },
        { 'beta-btp-batisimply-password': 'x' },
      ),
      [],
    );
  });

  test('each mistake, named', () => {
    assert.match(problems('acme,a--b', {}).join('\n'), /nom de société invalide « a--b »/);
    assert.match(problems('acme,acme', {}).join('\n'), /en double/);
    assert.match(problems('acme', { beta: { BATIGEST_SQL_SERVER: 'x' } }).join('\n'), /« beta » n'est pas dans COMPANIES/);
    assert.match(problems('default,acme', { default: { BATIGEST_SQL_SERVER: 'x' } }).join('\n'), /default garde les réglages sans préfixe/);
    assert.match(
      problems('acme', { acme: { BATIGEST_SQL_PASSWORD: 'x' } }).join('\n'),
      /BATIGEST_SQL_PASSWORD n'est pas un réglage propre/,
    );
    assert.match(
      problems('acme', {}, { 'acme-batigest-password': 'x' }).join('\n'),
      /« acme-batigest-password » ne correspond à aucune société/,
    );
    assert.match(problems('acme', {}, { 'beta-batisimply-password': 'x' }).join('\n'), /beta-batisimply-password/);
  });

  test('no secret value in a message', () => {
    assert.doesNotMatch(problems('acme', {}, { 'acme-batigest-password': 'S3cr3t-value' }).join('\n'), /S3cr3t-value/);
  });

  test('main.bicep stops the provision on them', () => {
    assert.throws(
      () => main.variable('companyAppSettingsChecked', { companies: 'acme-', companySettings: {} }),
      (e: Error) => e instanceof BicepFailure && /acme-/.test(e.message),
    );
  });
});

/**
 * One provision's app settings as the site keeps them: appsettings.bicep drops every COMPANY_
 * setting already there, keeps the others, and writes the template's.
 */
function provision(
  site: Record<string, string>,
  companies: string,
  companySettings: Record<string, Record<string, Value>>,
): Record<string, string> {
  const kept = appsettings.variable('kept', { current: site }) as Record<string, string>;
  const template = {
    COMPANIES: companies,
    ...(main.variable('companyAppSettingsChecked', { companies, companySettings }) as Record<string, string>),
  };
  return { ...kept, ...template };
}

describe('adding and removing a company (docs/azure.md, "Companies")', () => {
  const acme = { BATIGEST_SQL_SERVER: '10.0.0.5', BATIGEST_SQL_DATABASE: 'BTG_ACME', BATISIMPLY_HEADQUARTER_ID: 33 };
  const beta = { BATIGEST_SQL_SERVER: '10.0.0.6', BATIGEST_SQL_DATABASE: 'BTG_BETA' };
  const gamma = { BATIGEST_SQL_SERVER: '10.0.0.7' };

  test('a first deploy with two companies, then one added, then one removed: the app accepts every step', () => {
    let site: Record<string, string> = { BATISIMPLY_CONCURRENCY: '4' }; // set by hand: kept
    site = provision(site, 'acme,beta-btp', { acme, 'beta-btp': beta });
    assert.deepEqual(
      listCompanies(site).map((c) => c.name),
      ['acme', 'beta-btp'],
    );
    assert.equal(listCompanies(site)[0]!.env.BATISIMPLY_HEADQUARTER_ID, '33');
    assert.equal(site.COMPANY_BETA_BTP__BATIGEST_SQL_DATABASE, 'BTG_BETA');

    site = provision(site, 'acme,beta-btp,gamma', { acme, 'beta-btp': beta, gamma });
    assert.deepEqual(
      listCompanies(site).map((c) => c.name),
      ['acme', 'beta-btp', 'gamma'],
    );

    site = provision(site, 'acme,gamma', { acme, gamma });
    assert.deepEqual(
      listCompanies(site).map((c) => c.name),
      ['acme', 'gamma'],
    );
    assert.deepEqual(
      Object.keys(site).filter((k) => k.startsWith('COMPANY_BETA_BTP__')),
      [],
      'the removed company left no setting behind',
    );
    assert.equal(site.BATISIMPLY_CONCURRENCY, '4');
  });

  test("removing a company from COMPANIES but not from COMPANY_SETTINGS is refused, before the app's settings change", () => {
    assert.throws(() => provision({}, 'acme', { acme, 'beta-btp': beta }), /« beta-btp » n'est pas dans COMPANIES/);
  });

  test('a COMPANY_ setting set by hand does not survive a provision (the template owns them)', () => {
    const site = provision({ COMPANY_ACME__BATISIMPLY_CONCURRENCY: '2', COMPANY_OLD__BATIGEST_SQL_SERVER: 'x' }, 'acme', { acme });
    assert.equal(site.COMPANY_ACME__BATISIMPLY_CONCURRENCY, undefined);
    assert.equal(site.COMPANY_OLD__BATIGEST_SQL_SERVER, undefined);
    assert.deepEqual(
      listCompanies(site).map((c) => c.name),
      ['acme'],
    );
  });

  test('what the earlier template left (settings kept for a company no longer listed) is a warning naming them, and the listed company runs', () => {
    // Before appsettings.bicep dropped COMPANY_ settings, a removed company's settings stayed.
    const site = { COMPANIES: 'acme', COMPANY_ACME__BATIGEST_SQL_SERVER: 'x', COMPANY_BETA__BATIGEST_SQL_SERVER: 'y' };
    assert.deepEqual(
      listCompanies(site).map((c) => [c.name, c.problem]),
      [['acme', undefined]],
    );
    assert.match(leftoverWarning(site)!, /COMPANY_BETA__BATIGEST_SQL_SERVER/);
  });
});

describe('docs/azure.md, "A first deploy with two companies", follows the code', () => {
  test('its COMPANIES, COMPANY_SETTINGS and COMPANY_SECRETS pass the template, and the app reads each company from them', async () => {
    const doc = await readFile(path.join(ROOT, 'docs/azure.md'), 'utf8');
    const walk = doc.slice(doc.indexOf('## A first deploy with two companies'));
    const companies = /^azd env set COMPANIES (\S+)$/m.exec(walk)![1]!;
    const settings = JSON.parse(/cat > companies\.json <<'EOF'\n([\s\S]*?)\nEOF/.exec(walk)![1]!) as Record<string, Record<string, Value>>;
    const secrets = JSON.parse(/^azd env set COMPANY_SECRETS '(.*)'$/m.exec(walk)![1]!) as Record<string, string>;
    assert.deepEqual(fns.companyProblems!(companies, settings, secrets), []);
    const site = provision({}, companies, settings);
    const read = listCompanies(site);
    assert.deepEqual(
      read.map((c) => c.name),
      ['acme', 'beta-btp'],
    );
    assert.equal(read[1]!.env.BATIGEST_SQL_SERVER, '10.0.0.13');
    assert.match(walk, new RegExp(`COMPANY_BETA_BTP__BATISIMPLY_HEADQUARTER_ID=${site.COMPANY_BETA_BTP__BATISIMPLY_HEADQUARTER_ID}`));
    // The secrets it names are the ones the code reads for each company.
    for (const c of read)
      for (const s of ['BATIGEST_SQL_PASSWORD', 'BATISIMPLY_PASSWORD'] as const) assert.ok(companySecretName(c.secretPrefix, s) in secrets);
    // The SKU and the count it quotes are the template's.
    const sku = (main.variable('stagingSku', { companies }) as { name: string }).name;
    assert.match(
      walk,
      new RegExp(`= ${(main.variable('stagingConnectionsMax', { companies }) as number).toLocaleString('en')} connections \\(${sku}`),
    );
  });
});
