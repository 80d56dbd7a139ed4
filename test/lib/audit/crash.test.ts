import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAudit } from '../../../src/lib/audit/runAudit.js';
import { Services } from '../../../src/lib/services.js';
import { runJob } from '../../../src/lib/sync/runner.js';
import { chantier } from '../../support/chantiers.js';
import { MemoryBatigest } from '../../support/memoryBatigest.js';
import { daysAgo, slot, USER_DUPONT } from '../../support/slots.js';
import { useWorld } from '../../support/fixture.js';

const batigest = new MemoryBatigest();
// One state, made once: a crash between SuiviMO's commit and the ledger's confirmation.
const world = useWorld({ resetEach: false });
let services: Services;

world.setup(async () => {
  services = new Services(world.env, { staging: world.db, batigest });
  batigest.salaries = [{ code: 'DUPJ', nom: 'DUPONT Jean', codeBs: USER_DUPONT }];
  batigest.chantiers = [chantier('CH001')];
  world.sandbox.state.load({ timeSlots: [slot(201, daysAgo(2), 120)] });
  await runJob(services, 'chantiers', { trigger: 'cli' });
  await runJob(services, 'recup-heures', { trigger: 'cli' });
  // SuiviMO committed, then the process died before the ledger was confirmed.
  batigest.crashAt = 'afterCommit';
  await runJob(services, 'heures-to-sqlserver', { trigger: 'cli' });
});
world.teardown(() => services.close());

test('a write a crash left unconfirmed is pending, not a hand entry at the connector’s key', async () => {
  assert.equal(batigest.suiviMo.length, 1);
  const report = await runAudit(services);
  assert.deepEqual(
    report.findings.map((f) => `${f.kind} ${f.key}`),
    ['HEURE_EN_ATTENTE 201'],
  );
  assert.equal(report.summary.heures.inexpliquees, 0);
});
