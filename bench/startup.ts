/** Start-up: loading the Functions entry files, and a CLI run with nothing to do, against `node -e 0`. */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Sandbox } from '../src/sandbox/server.js';
import { freshDatabase } from '../test/support/pg.js';
import { median, runProcess, type Row } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REPEAT = 5;

async function medianProcess(args: string[], env: NodeJS.ProcessEnv = process.env, expectCode = 0) {
  const times: number[] = [];
  let stdout = '';
  for (let i = 0; i < REPEAT; i++) {
    const r = await runProcess(process.execPath, args, env);
    if (r.code !== expectCode) throw new Error(`node ${args.join(' ')} : code ${r.code} ${r.stderr.slice(-1000)}`);
    times.push(r.ms);
    stdout = r.stdout;
  }
  return { ms: median(times), stdout };
}

export async function startupRows(): Promise<Row[]> {
  const bare = (await medianProcess(['-e', '0'])).ms;
  const dir = path.join(ROOT, 'dist/src/functions');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => path.join(dir, f));
  const loader = `const t = performance.now(); for (const f of ${JSON.stringify(files)}) await import(f); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const loads: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await runProcess(process.execPath, ['--input-type=module', '-e', loader]);
    if (r.code !== 0) throw new Error(`chargement des fonctions : ${r.stderr.slice(-1000)}`);
    loads.push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  const load = median(loads);

  // What any command needs before it does anything: the settings' validator and the PostgreSQL
  // driver (the remaining gap of the CLI row; see its note).
  const urls = ['zod', 'pg', 'commander'].map((name) => import.meta.resolve(name));
  const libraries = `const t = performance.now(); for (const u of ${JSON.stringify(urls)}) await import(u); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const libs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = await runProcess(process.execPath, ['--input-type=module', '-e', libraries]);
    if (r.code !== 0) throw new Error(`chargement de zod, pg et commander : ${r.stderr.slice(-1000)}`);
    libs.push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms);
  }
  const libraryLoad = median(libs);

  const sandbox = new Sandbox();
  await sandbox.start();
  const t = await freshDatabase();
  let cli: number;
  try {
    const env = { ...process.env, ...sandbox.connectorSettings(), STAGING_DATABASE_URL: t.url };
    cli = (await medianProcess([path.join(ROOT, 'bin/connecteur.js'), 'run', 'transfer-batisimply'], env)).ms;
  } finally {
    await t.drop();
    await sandbox.stop();
  }
  return [
    { scenario: 'node -e 0 (process)', figure: bare, unit: 'ms' },
    { scenario: 'import zod + pg + commander (in process)', figure: libraryLoad, unit: 'ms', note: 'loaded by every CLI run: part of the CLI row below' },
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
