/**
 * Start-up: loading the Functions entry files, and a CLI run with nothing to do, against `node -e 0`.
 * The CLI runs as users run it: `node bin/connecteur.js`, which requires the bundle dist/cli/main.cjs.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/server.js';
import { freshDatabase } from '../test/support/pg.js';
import { median, runProcess, type Row } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPEAT = 5;

/** Medians of several processes of each command, run in turn, so that a busy moment of the machine falls on all of them. */
async function medianProcesses(commands: { args: string[]; env?: NodeJS.ProcessEnv }[]): Promise<number[]> {
  const times = commands.map((): number[] => []);
  for (let i = 0; i < REPEAT; i++) {
    for (const [k, { args, env }] of commands.entries()) {
      const r = await runProcess(process.execPath, args, env ?? process.env);
      if (r.code !== 0) throw new Error(`node ${args.join(' ')} : code ${r.code} ${r.stderr.slice(-1000)}`);
      times[k]!.push(r.ms);
    }
  }
  return times.map(median);
}

export async function startupRows(): Promise<Row[]> {
  const dir = path.join(ROOT, 'dist/src/functions');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => path.join(dir, f));
  const loader = `const t = performance.now(); for (const f of ${JSON.stringify(files)}) await import(f); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const loads: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await runProcess(process.execPath, ['--input-type=module', '-e', loader]);
    if (r.code !== 0) throw new Error(`chargement des fonctions : ${r.stderr.slice(-1000)}`);
    loads.push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  const load = median(loads);

  // What any command loads before it does anything: the bundled CLI (its code, zod, pg and
  // commander; bin/bundle-cli.js), required as bin/connecteur.js does.
  const bundle = path.join(ROOT, 'dist/cli/main.cjs');
  const loadBundle = `const t = performance.now(); require(${JSON.stringify(bundle)}); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const libs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await runProcess(process.execPath, ['-e', loadBundle]);
    if (r.code !== 0) throw new Error(`chargement de dist/cli/main.cjs : ${r.stderr.slice(-1000)}`);
    libs.push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  const libraryLoad = median(libs);

  const sandbox = new Sandbox();
  await sandbox.start();
  const t = await freshDatabase();
  let bare: number;
  let cli: number;
  try {
    const env = { ...process.env, ...sandbox.connectorSettings(), STAGING_DATABASE_URL: t.url };
    // `node -e 0` interleaved with the CLI: the ratio compares the same moments of the machine.
    [bare, cli] = (await medianProcesses([
      { args: ['-e', '0'] },
      { args: [path.join(ROOT, 'bin/connecteur.js'), 'run', 'transfer-batisimply'], env },
    ])) as [number, number];
  } finally {
    await t.drop();
    await sandbox.stop();
  }
  return [
    { scenario: 'node -e 0 (process)', figure: bare, unit: 'ms' },
    {
      scenario: 'load the bundled CLI, dist/cli/main.cjs (in process)',
      figure: libraryLoad,
      unit: 'ms',
      note: 'loaded by every CLI run: part of the CLI row below',
    },
    { scenario: 'load dist/src/functions/*.js (in process)', figure: load, unit: 'ms', target: '≤ 300 ms', met: load <= 300 },
    {
      scenario: 'connecteur run transfer-batisimply, nothing to do (process)',
      figure: cli,
      unit: 'ms',
      reference: { label: 'node -e 0', value: bare },
      ratio: cli / bare,
      target: '≤ 2.5×',
      met: cli <= 2.5 * bare,
    },
  ];
}
