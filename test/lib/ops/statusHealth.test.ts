import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyCounts, type RunStatus } from '../../../src/lib/domain/runs.js';
import { gatherStatus } from '../../../src/lib/ops/status.js';
import { formatStatus } from '../../../src/cli/format.js';
import { renderDashboard } from '../../../src/lib/ops/dashboard/page.js';
import { Services } from '../../../src/lib/services.js';
import { finishRun, insertRun } from '../../../src/lib/staging/runs.js';
import { useWorld } from '../../support/fixture.js';

const world = useWorld({ stagingInEnv: true, services: (w) => new Services(w.env) });

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function ended(n: number, job: string, status: RunStatus, minutesAgo: number, message?: string) {
  await insertRun(world.db, { runId: id(n), job, parentRunId: null, trigger: 'timer', dryRun: false, status: 'running' });
  if (status !== 'running') await finishRun(world.db, id(n), { status, counts: emptyCounts(), errors: [], message });
  await world.db.query(`UPDATE connecteur_runs SET started_at = now() - make_interval(mins => $2) WHERE run_id = $1`, [id(n), minutesAgo]);
}

test('per job: the last success, then every run ended failed or interrupted since, each with its reason', async () => {
  await ended(1, 'chantiers', 'interrupted', 90, 'plus ancien que la réussite');
  await ended(2, 'chantiers', 'succeeded', 60);
  await ended(3, 'chantiers', 'interrupted', 45, 'Exécution interrompue (processus arrêté avant la fin).');
  await ended(4, 'chantiers', 'failed', 30, 'BatiSimply injoignable');
  await ended(5, 'chantiers', 'skipped', 15, 'déjà en cours');
  await ended(6, 'heures', 'succeeded', 10);
  const status = await gatherStatus(world.services, { checkConnections: false });
  const chantiers = status.health.find((h) => h.job === 'chantiers')!;
  assert.equal(chantiers.lastSuccess?.runId, id(2));
  assert.deepEqual(
    chantiers.since.map((b) => [b.runId, b.status, b.reason]),
    [
      [id(4), 'failed', 'BatiSimply injoignable'],
      [id(3), 'interrupted', 'Exécution interrompue (processus arrêté avant la fin).'],
    ],
  );
  assert.deepEqual(status.health.find((h) => h.job === 'heures')?.since, []);
  const text = formatStatus(status);
  assert.match(text, /chantiers : dernière réussite le .*, puis 2 exécution\(s\) en échec ou interrompue\(s\)/);
  assert.match(text, /échec : BatiSimply injoignable/);
  assert.match(renderDashboard(status), /Depuis la dernière réussite[\s\S]*BatiSimply injoignable/);
});

test('a run left running by a dead worker: status reclaims it, names it with its reason, and still names it after a success', async () => {
  await ended(1, 'heures', 'running', 20);
  const status = await gatherStatus(world.services, { checkConnections: false });
  const heures = status.health.find((h) => h.job === 'heures')!;
  assert.equal(heures.lastSuccess, null);
  assert.deepEqual(
    heures.since.map((b) => [b.runId, b.status, b.reclaimed]),
    [[id(1), 'interrupted', true]],
  );
  assert.match(heures.since[0]!.reason, /verrou du job libre/);
  await ended(2, 'heures', 'succeeded', 5);
  const after = await gatherStatus(world.services, { checkConnections: false });
  const again = after.health.find((h) => h.job === 'heures')!;
  assert.deepEqual(again.since, []);
  assert.deepEqual(
    again.reclaimed.map((r) => r.runId),
    [id(1)],
  );
  assert.match(formatStatus(after), /Verrou périmé repris : heures/);
});
