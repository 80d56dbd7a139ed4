/**
 * What the deployed template must hold, checked on its text where no Azure or Bicep compiler
 * runs (the GitHub workflow also builds, lints and runs a what-if). One case per point of the
 * deployment review.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { createLogger } from '../../src/lib/log.js';
import { BicepFailure, bicepFunctions, bicepTemplate, type Template } from './bicep-eval.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

describe('deployment template', () => {
  test('azd runs the preprovision hook (Microsoft.App, deleted vault) before Bicep', async () => {
    const azure = await read('azure.yaml');
    assert.match(azure, /^hooks:\n(?:\s+.*\n)*?\s+preprovision:\n\s+shell: sh\n\s+run: \.\/infra\/scripts\/preprovision\.sh/m);
    assert.match(await read('infra/scripts/preprovision.sh'), /az provider register --namespace Microsoft\.App/);
  });

  test('purge protection is a parameter passed to the vault', async () => {
    assert.match(await read('infra/main.bicep'), /^param keyVaultPurgeProtection bool = true$/m);
    assert.match(await read('infra/modules/keyvault.bicep'), /enablePurgeProtection: purgeProtection/);
  });

  test('the run-failed alert counts final run.finished failures per company and job, on the GA API', async () => {
    const alerts = await read('infra/modules/alerts.bicep');
    assert.doesNotMatch(alerts, /scheduledQueryRules@\d{4}-\d\d-\d\d-preview/);
    assert.equal(alerts.match(/scheduledQueryRules@2023-12-01/g)?.length, 4);
    const query = /var runFailedQuery = '''([\s\S]*?)'''/.exec(alerts)?.[1] ?? '';
    assert.match(query, /event == "run\.finished" and status == "failed"/);
    // A failed invocation is also the intended throw before a retry: no longer counted (test/infra/alerts.test.ts).
    assert.doesNotMatch(query, /requests/);
    assert.match(query, /summarize failures = count\(\) by company, job/);
  });

  test('traces, which both alerts count, are not sampled away', async () => {
    const host = JSON.parse(await read('host.json')) as {
      logging: { applicationInsights: { samplingSettings: { excludedTypes: string } } };
    };
    assert.deepEqual(host.logging.applicationInsights.samplingSettings.excludedTypes.split(';').sort(), ['Exception', 'Request', 'Trace']);
  });

  test("app settings set by hand survive a provision (merged under the template's), the companies' excepted", async () => {
    const module = await read('infra/modules/appsettings.bicep');
    assert.match(module, /list\('\$\{site\.id\}\/config\/appsettings'/);
    assert.match(module, /properties: union\(kept, settings\)/);
    const appsettings = await bicepTemplate(path.join(ROOT, 'infra/modules/appsettings.bicep'));
    assert.deepEqual(appsettings.variable('kept', { current: { BATISIMPLY_CONCURRENCY: '4', COMPANY_ACME__BATIGEST_SQL_SERVER: 'x' } }), {
      BATISIMPLY_CONCURRENCY: '4',
    });
    assert.doesNotMatch(await read('infra/modules/functionapp.bicep'), /name: 'appsettings'\n\s+properties: union\(hostSettings/);
  });

  test('the PostgreSQL admin password is generated once by azd, never by newGuid()', async () => {
    const main = await read('infra/main.bicep');
    // newGuid() only seeds the agent's password, written only when the vault lacks it (secrets.bicep).
    assert.deepEqual(main.match(/^.*newGuid\(\).*$/gm), ['param agentPasswordSeed string = newGuid()']);
    assert.match(main, /@metadata\(\{ azd: \{ type: 'generate'[^\n]*\n(?:@description[^\n]*\n)?param postgresAdminPassword string$/m);
  });

  test('the password and user are URL-encoded in the staging URL', async () => {
    const vault = await read('infra/modules/keyvault.bicep');
    assert.match(vault, /postgresql:\/\/\$\{uriComponent\(postgresUser\)\}:\$\{uriComponent\(postgresPassword\)\}@/);
  });

  test('Node 22 in Azure, CI on 20 and 22, engines still accept 20', async () => {
    assert.match(await read('infra/main.bicep'), /^param nodeVersion string = '22'$/m);
    const ci = await read('.github/workflows/ci.yml');
    assert.match(ci, /node: \['20', '22'\]/);
    assert.match(ci, /node-version: \$\{\{ matrix\.node \}\}/);
    const pkg = JSON.parse(await read('package.json')) as { engines: { node: string } };
    assert.match(pkg.engines.node, /^>=20\./);
  });

  test('least privilege: no Table role, vault not enabled for VMs/templates/disks, storage firewall, NSGs, workflow permissions', async () => {
    const storage = await read('infra/modules/storage.bicep');
    assert.doesNotMatch(storage, /0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3/, 'Storage Table Data Contributor');
    assert.match(storage, /974c5e8b-45b9-4653-ba55-5f855dd0fb88/, 'Storage Queue Data Contributor stays for the run queue');
    assert.match(storage, /defaultAction: 'Deny'/);
    const vault = await read('infra/modules/keyvault.bicep');
    for (const flag of ['enableVaultForDeployment', 'enableVaultForTemplateDeployment', 'enableVaultForDiskEncryption']) {
      assert.match(vault, new RegExp(`${flag}: false`));
    }
    const network = await read('infra/modules/network.bicep');
    assert.match(
      network,
      /name: 'snet-app'\n\s+properties: \{\n\s+addressPrefix: appSubnetPrefix\n\s+networkSecurityGroup: \{ id: appNsg\.id \}/,
    );
    assert.match(
      network,
      /name: 'snet-postgres'\n\s+properties: \{\n\s+addressPrefix: postgresSubnetPrefix\n\s+networkSecurityGroup: \{ id: postgresNsg\.id \}/,
    );
    assert.match(await read('.github/workflows/ci.yml'), /^permissions:\n\s+contents: read$/m);
  });

  test('the deployed package holds dist and production dependencies only', async () => {
    const azure = await read('azure.yaml');
    assert.match(azure, /^\s+remoteBuild: false$/m);
    assert.match(
      azure,
      /dist: \.azure-package\n(?:\s+#.*\n)*\s+remoteBuild: false\n\s+hooks:\n\s+prepackage:\n\s+shell: sh\n\s+run: \.\/infra\/scripts\/package\.sh/,
    );
    const script = await read('infra/scripts/package.sh');
    assert.match(script, /out="\$root\/\.azure-package"/);
    assert.match(script, /npm ci --omit=dev --omit=optional/);
    assert.match(script, /cp -R src\/lib\/staging\/migrations/);
    assert.match(script, /cp package\.json package-lock\.json host\.json/);
    const pkg = JSON.parse(await read('package.json')) as { main: string };
    assert.ok(pkg.main.startsWith('dist/src/'), 'package.sh copies dist/src, where main points');
  });
});

describe('secrets: written when the vault lacks them (infra/secrets.bicep)', () => {
  let vault: Template;
  before(async () => {
    vault = await bicepTemplate(path.join(ROOT, 'infra/modules/keyvault.bicep'));
  });
  const given = {
    postgresUser: 'connecteur',
    postgresPassword: 'p@ss/word',
    postgresHost: 'psql-x.postgres.database.azure.com',
    postgresDatabase: 'staging',
    batigestSqlPassword: 'b',
    batisimplyClientSecret: '',
    batisimplyPassword: 'p',
    alertWebhookUrl: 'https://hooks.example/x',
    agentMode: false,
    agentStagingUser: 'connecteur_agent',
    agentStagingPassword: 'a1b2',
    presentSecrets: [] as string[],
  };
  let secretsRule: Awaited<ReturnType<typeof bicepFunctions>>;
  before(async () => {
    secretsRule = await bicepFunctions(await read('infra/secrets.bicep'));
  });
  /** The names of the secrets one provision writes, as keyvault.bicep computes them. */
  const written = (params: Partial<typeof given>) => {
    const p = { ...given, ...params };
    return [
      vault.variable('stagingUrl', p),
      ...(secretsRule.secretsToWrite!(vault.variable('givenSecrets', p), p.presentSecrets) as object[]),
      ...(vault.variable('agentSecrets', p) as object[]),
    ].map((s) => (s as { name: string }).name);
  };

  test('first provision: every given secret, none empty', () => {
    assert.deepEqual(written({}), ['staging-database-url', 'batigest-sql-password', 'batisimply-password', 'alert-webhook-url']);
  });

  test('a secret already in the vault is not written again (a rotation there stands)', () => {
    assert.deepEqual(written({ presentSecrets: ['batigest-sql-password', 'alert-webhook-url'] }), [
      'staging-database-url',
      'batisimply-password',
    ]);
  });

  test('the staging URL follows the server and its admin password, at every provision', () => {
    assert.deepEqual(written({ presentSecrets: ['staging-database-url'] })[0], 'staging-database-url');
    assert.equal(
      (vault.variable('stagingUrl', given) as { value: string }).value,
      'postgresql://connecteur:p%40ss%2Fword@psql-x.postgres.database.azure.com:5432/staging?sslmode=require',
    );
  });

  test("agent mode: the agent's password and URL, together, only when the vault lacks the password", () => {
    assert.deepEqual(written({ agentMode: true }).slice(-2), ['agent-staging-password', 'agent-staging-database-url']);
    assert.deepEqual(
      (vault.variable('agentSecrets', { ...given, agentMode: true }) as { value: string }[])[1]!.value,
      'postgresql://connecteur_agent:a1b2@psql-x.postgres.database.azure.com:5432/staging?sslmode=require',
    );
    assert.deepEqual(vault.variable('agentSecrets', { ...given, agentMode: true, presentSecrets: ['agent-staging-password'] }), []);
    assert.deepEqual(vault.variable('agentSecrets', given), [], 'vpn mode: no agent secret');
  });

  test('the vault module writes exactly that', async () => {
    const module = await read('infra/modules/keyvault.bicep');
    assert.match(module, /secrets: concat\(\[stagingUrl\], secretsToWrite\(givenSecrets, presentSecrets\), agentSecrets\)/);
    assert.match(await read('infra/modules/companysecrets.bicep'), /for secret in secretsToWrite\(/);
    // The preprovision hook passes the vault's names to this parameter.
    const params = JSON.parse(await read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
    assert.equal(params.parameters.presentSecrets!.value, '${KEY_VAULT_SECRETS_PRESENT=[]}');
  });
});

describe('agent mode (batigestAccess = agent)', () => {
  let staging: Awaited<ReturnType<typeof bicepFunctions>>;
  let main: Template;
  before(async () => {
    staging = await bicepFunctions(await read('infra/staging.bicep'));
    main = await bicepTemplate(path.join(ROOT, 'infra/main.bicep'));
  });

  test('one firewall rule per address or range of AGENT_ALLOWED_IPS, named after it', () => {
    assert.deepEqual(staging.agentFirewallRules!(['203.0.113.7', '198.51.100.0/24']), [
      { name: 'agent-203-0-113-7-32', startIpAddress: '203.0.113.7', endIpAddress: '203.0.113.7' },
      { name: 'agent-198-51-100-0-24', startIpAddress: '198.51.100.0', endIpAddress: '198.51.100.255' },
    ]);
  });

  test('no address, or one that opens the server to all: refused before anything is deployed', () => {
    assert.throws(() => main.variable('companyAppSettingsChecked', { batigestAccess: 'agent' }), /AGENT_ALLOWED_IPS est vide/);
    for (const ip of ['0.0.0.0', '0.0.0.0/0'])
      assert.throws(
        () => main.variable('companyAppSettingsChecked', { batigestAccess: 'agent', agentAllowedIps: [ip] }),
        (e: Error) => e instanceof BicepFailure && /ouvrirait le staging/.test(e.message),
      );
    assert.deepEqual(main.variable('companyAppSettingsChecked', { batigestAccess: 'agent', agentAllowedIps: ['203.0.113.7'] }), {});
    assert.deepEqual(main.variable('companyAppSettingsChecked', {}), {}, 'vpn mode needs no address');
  });

  test('no VPN gateway in agent mode; the VPN mode as it was', async () => {
    const mainText = await read('infra/main.bicep');
    assert.match(mainText, /deployVpnGateway: deployVpnGateway && !agentMode/);
    assert.match(mainText, /agentFirewallRules: agentMode \? agentFirewallRules\(agentAllowedIps\) : \[\]/);
  });

  test('the staging server: public only in agent mode, from the rules only, TLS required, a private endpoint for the app', async () => {
    const postgres = await read('infra/modules/postgres.bicep');
    assert.match(
      postgres,
      /var vnetNetwork = \{\n\s+delegatedSubnetResourceId: postgresSubnetId\n\s+privateDnsZoneArmResourceId: dnsZone\.id\n\s+publicNetworkAccess: 'Disabled'/,
    );
    assert.match(postgres, /var agentNetwork = \{\n\s+publicNetworkAccess: 'Enabled'\n\}/);
    assert.match(postgres, /network: agentMode \? agentNetwork : vnetNetwork/);
    assert.match(postgres, /firewallRules@[\d-]+' = \[\n\s+for rule in \(agentMode \? agentFirewallRules : \[\]\)/);
    assert.equal(postgres.match(/firewallRules@/g)?.length, 1, 'no other rule (no 0.0.0.0 "Azure services" rule)');
    assert.match(
      postgres,
      /configurations@[\d-]+' = if \(agentMode\) \{\n\s+parent: server\n\s+name: 'require_secure_transport'\n\s+properties: \{ value: 'on'/,
    );
    assert.match(postgres, /privateEndpoints@[\d-]+' = if \(agentMode\)[\s\S]*?groupIds: \['postgresqlServer'\]/);
    assert.match(postgres, /name: 'privatelink\.postgres\.database\.azure\.com'/);
    assert.match(await read('infra/modules/network.bicep'), /delegations: agentMode \? \[\] : \[/);
  });

  test('the app is told: BATIGEST_ACCESS and AGENT_SILENCE_PERIODS, the agent role name in the outputs', async () => {
    const resources = await read('infra/resources.bicep');
    assert.match(resources, /BATIGEST_ACCESS: agentMode \? 'agent' : 'direct'/);
    assert.match(await read('infra/main.bicep'), /var agentStagingUser = 'connecteur_agent'/);
  });

  test('the agent-silent alert: one per company, on the line the cloud side logs', async () => {
    const alerts = await read('infra/modules/alerts.bicep');
    assert.match(alerts, /resource agentSilent '[^']+' = if \(agentMode\)/);
    assert.match(alerts, /dimensions: \[\{ name: 'company', operator: 'Include', values: \['\*'\] \}\]/);
    const query = /var agentSilentQuery = '''([\s\S]*?)'''/.exec(alerts)![1]!;
    assert.match(query, /where event == "agent\.silent"/);
    // The line as the Functions worker writes it (http.ts contextLogger: message, then the fields as JSON).
    let line = '';
    createLogger((_level, message, fields) => (line = `${message} ${JSON.stringify(fields)}`), { invocationId: 'i' }).warn(
      'Agent sur site silencieux depuis 47 min',
      { event: 'agent.silent', company: 'beta-btp', silentMinutes: 47 },
    );
    const extract = (pattern: string) => new RegExp(pattern).exec(line)?.[1];
    const patterns = [...query.matchAll(/extract\('([^']+)', 1, message\)/g)].map((m) => m[1]!);
    assert.deepEqual(patterns.map(extract), ['agent.silent', 'beta-btp', '47']);
  });
});
