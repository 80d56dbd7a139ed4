import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STOP_REQUESTED } from '../../src/lib/domain/runs.js';
import { getRun } from '../../src/lib/staging/runs.js';
import { connecteur } from '../support/cli.js';
import { useWorld } from '../support/fixture.js';
import { startServe } from '../support/serve.js';
import { holdTable, runningRow } from '../support/tableGate.js';
import { until } from '../support/wait.js';

const world = useWorld({ stagingInEnv: true });

test('serve stopped with Ctrl+C during a run: said in French, the run interrupted « arrêt demandé », the caller answered, exit 0', async () => {
  const serve = await startServe(world.env);
  const gate = await holdTable(world.db, 'batigest_heures');
  try {
    const answer = fetch(`${serve.base}/api/recup-heures?code=${serve.token}`, { method: 'POST' });
    const running = await runningRow(world.db);
    serve.child.removeAllListeners('exit');
    const exited = new Promise<number | null>((r) => serve.child.once('exit', (code) => r(code)));
    serve.child.kill('SIGINT');
    await until(async () => /Arrêt demandé \(Ctrl\+C\)/.test(serve.output().err), 'the stop said');
    await gate.release();
    const res = await answer;
    const report = (await res.json()) as { status: string; runId: string };
    assert.equal(res.status, 200);
    assert.deepEqual([report.runId, report.status], [running.runId, 'interrupted']);
    assert.equal(await exited, 0, serve.output().err);
    const row = await getRun(world.db, running.runId);
    assert.deepEqual([row?.status, row?.message], ['interrupted', STOP_REQUESTED]);
    const { err } = serve.output();
    assert.match(err, /Connecteur arrêté\./);
    assert.doesNotMatch(err, /UND_ERR_DESTROYED|injoignable|PGlite is closed|Erreur interne/);
  } finally {
    await gate.release();
    serve.child.kill('SIGKILL');
  }
});

test('connecteur run stopped with Ctrl+C: said in French, the run interrupted « arrêt demandé », its report printed, exit 130', async () => {
  const gate = await holdTable(world.db, 'batigest_heures');
  try {
    let child: import('node:child_process').ChildProcess | undefined;
    const result = connecteur(['run', 'recup-heures', '--json'], world.env, (c) => (child = c));
    const running = await runningRow(world.db);
    child!.kill('SIGINT');
    // The stop is said before the run ends: the terminal shows it at once.
    await gate.release();
    const { code, stdout, stderr } = await result;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Arrêt demandé \(Ctrl\+C\) : le job s’arrête entre deux lots/);
    assert.equal((JSON.parse(stdout) as { status: string }).status, 'interrupted');
    const row = await getRun(world.db, running.runId);
    assert.deepEqual([row?.status, row?.message], ['interrupted', STOP_REQUESTED]);
  } finally {
    await gate.release();
  }
});
