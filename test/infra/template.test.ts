/**
 * What the deployed template must hold, checked on its text where no Azure or Bicep compiler
 * runs (the GitHub workflow also builds, lints and runs a what-if). One case per point of the
 * deployment review.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

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

  test('the run-failed alert counts run.finished failures and failed invocations, on the GA API', async () => {
    const alerts = await read('infra/modules/alerts.bicep');
    assert.doesNotMatch(alerts, /scheduledQueryRules@\d{4}-\d\d-\d\d-preview/);
    assert.equal(alerts.match(/scheduledQueryRules@2023-12-01/g)?.length, 2);
    const query = /var runFailedQuery = '''([\s\S]*?)'''/.exec(alerts)?.[1] ?? '';
    assert.match(query, /customDimensions\.event\) == "run\.finished"/);
    assert.match(query, /customDimensions\.status\) == "failed"/);
    assert.match(query, /requests\s*\|\s*where success == false/);
  });

  test('traces, which both alerts count, are not sampled away', async () => {
    const host = JSON.parse(await read('host.json')) as {
      logging: { applicationInsights: { samplingSettings: { excludedTypes: string } } };
    };
    assert.deepEqual(host.logging.applicationInsights.samplingSettings.excludedTypes.split(';').sort(), ['Exception', 'Request', 'Trace']);
  });

  test("app settings set by hand survive a provision (merged under the template's)", async () => {
    const module = await read('infra/modules/appsettings.bicep');
    assert.match(module, /list\('\$\{site\.id\}\/config\/appsettings'/);
    assert.match(module, /properties: union\(current, settings\)/);
    assert.doesNotMatch(await read('infra/modules/functionapp.bicep'), /name: 'appsettings'\n\s+properties: union\(hostSettings/);
  });

  test('the PostgreSQL admin password is generated once by azd, never by newGuid()', async () => {
    const main = await read('infra/main.bicep');
    assert.doesNotMatch(main, /newGuid\(\)/);
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
