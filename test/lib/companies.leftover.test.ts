import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import functions, { type Timer } from '@azure/functions';
import { CompanyDirectory } from '../../src/lib/companyServices.js';
import type { Env } from '../../src/lib/config.js';
import type { RunMessage, RunQueue } from '../../src/lib/queue/client.js';
import { createHandlers } from '../../src/functions/handlers/index.js';
import type { Sandbox } from '../../src/sandbox/server.js';
import { connecteur } from '../support/cli.js';
import { freshDatabase, type TestDatabase } from '../support/pg.js';
import { sandboxEnv, startSandbox } from '../support/sandbox.js';

const { InvocationContext } = functions;

let t: TestDatabase;
let api: Sandbox;
let env: Env;

const prefixed = (prefix: string, settings: Env) => Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${prefix}${k}`, v]));

before(async () => {
  t = await freshDatabase();
  ({ sandbox: api } = await startSandbox());
  const { BATISIMPLY_API_URL: _a, BATISIMPLY_TOKEN_URL: _b, ...shared } = sandboxEnv(api);
  env = {
    ...shared,
    STAGING_DATABASE_URL: t.url,
    COMPANIES: 'acme,beta',
    ...prefixed('COMPANY_ACME__', api.connectorSettings()),
    ...prefixed('COMPANY_BETA__', api.connectorSettings()),
    // A company removed from COMPANIES, its settings left behind.
    COMPANY_GAMMA__BATIGEST_SQL_SERVER: 'sql.gamma',
    COMPANY_GAMMA__BATISIMPLY_USERNAME: 'gamma',
  };
});
after(async () => {
  await api.stop();
  await t.drop();
});

test('a timer with leftover settings of a removed company: both companies queue their run, one warning names the settings', async () => {
  const directory = new CompanyDirectory(env);
  const sent: RunMessage[] = [];
  const queue: RunQueue = { send: async (m) => void sent.push(m) };
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: 't',
    functionName: 'heuresTimer',
    logHandler: (_l, ...a) => lines.push(a.join(' ')),
  });
  try {
    await createHandlers({ directory, queue }).timerFunctions.heuresTimer!.handler({} as Timer, context);
    assert.deepEqual(sent.map((m) => m.company).sort(), ['acme', 'beta']);
    const warnings = lines.filter((l) => l.includes('sans société dans COMPANIES'));
    assert.equal(warnings.length, 1, lines.join('\n'));
    assert.match(warnings[0]!, /COMPANY_GAMMA__BATIGEST_SQL_SERVER, COMPANY_GAMMA__BATISIMPLY_USERNAME/);
  } finally {
    await directory.close();
  }
});

test('one company’s bad setting fails that company alone: the timer queues the other’s run, then reports the failure', async () => {
  const directory = new CompanyDirectory({ ...env, COMPANY_ACME__STAGING_DATABASE_URL: 'postgresql://ailleurs/db' });
  const sent: RunMessage[] = [];
  const queue: RunQueue = { send: async (m) => void sent.push(m) };
  const context = new InvocationContext({ invocationId: 't', functionName: 'chantiersTimer', logHandler: () => {} });
  try {
    await assert.rejects(
      async () => await createHandlers({ directory, queue }).timerFunctions.chantiersTimer!.handler({} as Timer, context),
      /Configuration de la société acme invalide : COMPANY_ACME__STAGING_DATABASE_URL/,
    );
    assert.deepEqual(
      sent.map((m) => m.company),
      ['beta'],
    );
  } finally {
    await directory.close();
  }
});

test('connecteur status with leftover settings: every company shown, the warning on stderr, not a configuration error', async () => {
  const result = await connecteur(['status', '--json'], env);
  assert.notEqual(result.code, 2, result.stderr);
  assert.match(result.stderr, /Réglages de société sans société dans COMPANIES \(ignorés\) : COMPANY_GAMMA__BATIGEST_SQL_SERVER/);
});

test('connecteur companies with one company’s bad setting: the other is listed ok, the bad one names its setting', async () => {
  const result = await connecteur(['companies', '--json'], { ...env, COMPANY_ACME__STAGING_DATABASE_URL: 'postgresql://ailleurs/db' });
  const companies = JSON.parse(result.stdout) as { name: string; sections: Record<string, string> }[];
  assert.match(companies.find((c) => c.name === 'acme')!.sections.sociétés ?? '', /COMPANY_ACME__STAGING_DATABASE_URL/);
  assert.equal(companies.find((c) => c.name === 'beta')!.sections.sociétés, undefined);
});
