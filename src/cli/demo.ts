/**
 * `npm run demo`: the BatiSimply side of both flows on a laptop, with no account and no Batigest.
 * Starts the sandbox from examples/sandbox-seed.json, stages the chantiers of
 * examples/chantiers.json as `transfer` would, and runs transfer-batisimply (twice: the second
 * run writes nothing), recup-heures and update-code-projet on an embedded staging database.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Services } from '../lib/services.js';
import { upsertChantiers } from '../lib/staging/chantiers.js';
import { runJob } from '../lib/sync/runner.js';
import { Sandbox } from '../sandbox/server.js';
import { formatReport, formatStatus } from './format.js';
import { gatherStatus } from '../lib/ops/status.js';
import type { ChantierSource } from '../lib/domain/chantier.js';
import type { StepJobName } from '../lib/sync/registry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function demo() {
  const seed = JSON.parse(await readFile(path.join(root, 'examples/sandbox-seed.json'), 'utf8'));
  const chantiers = JSON.parse(await readFile(path.join(root, 'examples/chantiers.json'), 'utf8')) as ChantierSource[];
  const sandbox = new Sandbox({ seed });
  await sandbox.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'connecteur-demo-'));
  // Ctrl+C while the demo works: its temporary folder goes too.
  const interrupted = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const services = new Services({ STAGING_EMBEDDED_DIR: path.join(dir, 'staging'), ...sandbox.connectorSettings() }, {}, undefined, {
    creatingEmbedded: () => console.log('Staging embarqué : création de la base locale…'),
  });
  try {
    console.log(`Bac à sable BatiSimply : ${sandbox.url} — staging embarqué : ${dir}\n`);
    const counts = await upsertChantiers(await services.staging(), chantiers);
    console.log(`Chantiers mis en staging (comme le ferait « transfer ») : ${counts.created} nouveaux\n`);
    const steps: StepJobName[] = ['transfer-batisimply', 'transfer-batisimply', 'recup-heures', 'update-code-projet'];
    for (const job of steps) {
      const { report } = await runJob(services, job, { trigger: 'cli' });
      console.log(formatReport(report));
    }
    console.log(`\nProjets dans BatiSimply : ${[...sandbox.state.projects.values()].map((p) => p.projectCode).join(', ')}`);
    console.log(
      `Appels d'écriture à BatiSimply : ${sandbox.count('POST /api/project')} création(s), ${sandbox.count('PUT /api/project')} mise(s) à jour\n`,
    );
    const status = await gatherStatus(services, { checkConnections: false });
    console.log(formatStatus(status, services.timeZone()));
    if (status.pending.heures > 0) {
      console.log(
        `\nCes ${status.pending.heures} créneau(x) horaire(s) restent en staging : la démo n'a pas de Batigest, et « heures-to-sqlserver » ` +
          'les écrirait dans SuiviMO (réglages BATIGEST_SQL_*). Avec un SQL Server : « connecteur run heures-to-sqlserver ».',
      );
    }
  } finally {
    await services.close();
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await demo();
