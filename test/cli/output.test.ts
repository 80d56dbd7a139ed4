/** What `connecteur run` writes: a bar and readable lines in a terminal, JSON lines elsewhere, the report alone on stdout. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeEach, test } from 'node:test';
import { BIN, connecteur } from '../support/cli.js';
import type { RunReport } from '../../src/lib/domain/runs.js';
import { skipUnless } from '../support/required.js';
import { useWorld } from '../support/fixture.js';

const world = useWorld({ stagingInEnv: true });
beforeEach(async () => {
  await world.db.query(`INSERT INTO batigest_chantiers (code, description, sync) VALUES ('CH001', 'Un', false), ('CH002', 'Deux', false)`);
});

test('not a terminal: one JSON line per event, no progress redraw; --json: the report alone on stdout', async () => {
  const r = await connecteur(['run', 'transfer-batisimply', '--dry-run', '--json'], world.env);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes('\r'), 'no carriage return');
  const lines = r.stderr.trim().split('\n');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
  assert.ok(lines.some((l) => (JSON.parse(l) as { message: string }).message === 'Fin du job transfer-batisimply : réussi'));
  assert.ok(!lines.some((l) => (JSON.parse(l) as { level: string }).level === 'debug'), 'no debug line without --verbose');
  const report = JSON.parse(r.stdout) as RunReport;
  assert.deepEqual(report.records?.map((x) => [x.key, x.action]).sort(), [
    ['CH001', 'create'],
    ['CH002', 'create'],
  ]);
});

test('--verbose adds the debug lines', async () => {
  const r = await connecteur(['run', 'transfer-batisimply', '--dry-run', '--verbose'], world.env);
  assert.ok(
    r.stderr.split('\n').some((l) => l.includes('"level":"debug"')),
    r.stderr,
  );
});

test('a dry run in text lists each planned action', async () => {
  const r = await connecteur(['run', 'transfer-batisimply', '--dry-run'], world.env);
  assert.match(r.stdout, /Actions prévues :\n\s+création\s+CH001\n\s+création\s+CH002/);
});

const SCRIPT = '/usr/bin/script';
// util-linux's script(1) is on every Debian and Ubuntu: the workflow and .ci/run set REQUIRE_SCRIPT=1.
const NO_TERMINAL = skipUnless('SCRIPT', existsSync(SCRIPT), `terminal output test: no script(1) at ${SCRIPT} to make a terminal`);
test('in a terminal: a progress bar and readable log lines', { skip: NO_TERMINAL }, async () => {
  // script(1) runs the CLI on a pseudo-terminal; stdout goes away so only stderr is seen.
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run transfer-batisimply --dry-run 2>&1 >/dev/null`;
  const output = await new Promise<string>((resolve, reject) => {
    // The machine in UTC, the ERP fourteen hours ahead: the lines read the ERP's clock (SYNC_TIMEZONE).
    const child = spawn(SCRIPT, ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, ...world.env, TZ: 'UTC', SYNC_TIMEZONE: 'Pacific/Kiritimati' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', () => resolve(text));
  });
  const line = /(\d{2}):(\d{2}):\d{2} info\s+Début du job transfer-batisimply \(simulation\)/.exec(output);
  assert.ok(line, output);
  const kiritimati = new Date(Date.now() + 14 * 3_600_000);
  const minutesApart = Math.abs(Number(line[1]) * 60 + Number(line[2]) - (kiritimati.getUTCHours() * 60 + kiritimati.getUTCMinutes()));
  assert.ok(Math.min(minutesApart, 1440 - minutesApart) <= 2, `${line[0]} is not Kiritimati's time`);
  assert.match(output, /transfer-batisimply\s+\[[█░]+\] 2\/2 \(100 %\)/);
  assert.doesNotMatch(output, /"level":/, 'no JSON in a terminal');
});
