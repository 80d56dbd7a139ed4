/**
 * The embedded staging (PGlite) against a PostgreSQL server, on this machine, through the built CLI
 * as an operator runs it (`connecteur status`): a later command ≤ 2× the server case in time and
 * ≤ 150 MB, and the first start on a new folder ≤ 5 s, saying « création de la base locale… ».
 * Each process's peak memory is its own (process.resourceUsage().maxRSS, written at exit by a
 * preloaded module), so the figures hold whatever else the machine runs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../test/support/pg.js';
import { median, runProcess, type Row } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'bin/connecteur.js');

interface Measure {
  ms: number;
  mb: number;
  stderr: string;
}

async function status(env: NodeJS.ProcessEnv, preload: string): Promise<Measure> {
  const r = await runProcess(process.execPath, ['--require', preload, BIN, 'status'], env);
  if (r.code !== 0) throw new Error(`connecteur status : code ${r.code} ${r.stderr.slice(-1000)}`);
  const kb = Number(/MAXRSS=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms: r.ms, mb: kb / 1024, stderr: r.stderr };
}

export async function embeddedRows(repeat: number): Promise<Row[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'connecteur-bench-embedded-'));
  const preload = path.join(dir, 'maxrss.cjs');
  await writeFile(preload, "process.on('exit', () => process.stderr.write(`MAXRSS=${process.resourceUsage().maxRSS}\\n`));\n");
  const t = await freshDatabase();
  const base = { PATH: process.env.PATH, SYNC_TIMEZONE: 'Europe/Paris' };
  const server = { ...base, STAGING_DATABASE_URL: t.url };
  try {
    const firsts: Measure[] = [];
    for (let i = 0; i < repeat; i++) firsts.push(await status({ ...base, STAGING_EMBEDDED_DIR: path.join(dir, `new-${i}`) }, preload));
    const folder = { ...base, STAGING_EMBEDDED_DIR: path.join(dir, 'new-0') };
    // Interleaved, so that a busy moment of the machine falls on both.
    const later: Measure[] = [];
    const onServer: Measure[] = [];
    for (let i = 0; i < repeat; i++) {
      later.push(await status(folder, preload));
      onServer.push(await status(server, preload));
    }
    const ms = (m: Measure[]) => median(m.map((x) => x.ms));
    const mb = (m: Measure[]) => median(m.map((x) => x.mb));
    const said = firsts.every((m) => m.stderr.includes('création de la base locale…'));
    const serverMs = ms(onServer);
    return [
      { scenario: 'status, PostgreSQL server (process)', figure: serverMs, unit: 'ms', note: `${mb(onServer).toFixed(0)} MB` },
      {
        scenario: 'status, embedded staging, later command (process)',
        figure: ms(later),
        unit: 'ms',
        reference: { label: 'PostgreSQL server', value: serverMs },
        ratio: ms(later) / serverMs,
        target: '≤ 2×',
        met: ms(later) <= 2 * serverMs,
      },
      {
        scenario: 'status, embedded staging, later command: peak memory',
        figure: mb(later),
        unit: 'MB',
        reference: { label: 'PostgreSQL server', value: mb(onServer) },
        ratio: mb(later) / mb(onServer),
        target: '≤ 150 MB',
        met: mb(later) <= 150,
      },
      {
        scenario: 'status, embedded staging, first start on a new folder (process)',
        figure: ms(firsts),
        unit: 'ms',
        reference: { label: 'PostgreSQL server', value: serverMs },
        ratio: ms(firsts) / serverMs,
        target: '≤ 5 s, says « création de la base locale… »',
        met: ms(firsts) <= 5_000 && said,
        note: `${mb(firsts).toFixed(0)} MB${said ? '' : ' ; message absent'}`,
      },
    ];
  } finally {
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
