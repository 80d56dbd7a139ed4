/**
 * Idle cost of `connecteur agent` on the customer's server, between two scheduled runs: the real
 * CLI (node bin/connecteur.js, the bundle users run), role batigest, against a staging whose run
 * history says nothing was missed, with schedules that do not fall in the window. CPU from
 * /proc/<pid>/stat (utime + stime) over the window, RSS from /proc/<pid>/status every second
 * (Linux only). `--idle-minutes N` (default 3) sets the window.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../test/support/pg.js';
import type { Row } from './support.js';

const BIN = fileURLToPath(new URL('../../bin/connecteur.js', import.meta.url));

function cpuTicks(pid: number): number {
  // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

export async function agentIdleRows(minutes: number): Promise<Row[]> {
  const t = await freshDatabase();
  try {
    // Both steps ran just now: the agent has no occurrence to catch up on.
    for (const job of ['transfer', 'heures-to-sqlserver'])
      await t.db.query(
        `INSERT INTO connecteur_runs (run_id, job, trigger, status, finished_at) VALUES (gen_random_uuid(), $1, 'agent', 'succeeded', now())`,
        [job],
      );
    const child = spawn(process.execPath, [BIN, 'agent'], {
      env: {
        PATH: process.env.PATH,
        STAGING_DATABASE_URL: t.url,
        BATIGEST_SQL_SERVER: '127.0.0.1',
        BATIGEST_SQL_PORT: '1',
        BATIGEST_SQL_DATABASE: 'BATIGEST',
        BATIGEST_SQL_USER: 'connecteur',
        BATIGEST_SQL_PASSWORD: 'banc-d-essai',
        // Daily: no run in a window of a few minutes, only the heartbeats (every minute).
        CHANTIERS_SCHEDULE: '0 0 3 * * *',
        HEURES_SCHEDULE: '0 30 3 * * *',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('Agent sur site démarré') && resolve());
      child.on('close', (code) => reject(new Error(`agent arrêté (${code}) : ${stderr.slice(-1000)}`)));
    });
    // Measured once the first heartbeat is written: start-up is not idling.
    for (;;) {
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM connecteur_agent_heartbeats');
      if (rows[0]!.n > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    const pid = child.pid!;
    const startTicks = cpuTicks(pid);
    const started = Date.now();
    let maxRss = 0;
    while (Date.now() - started < minutes * 60_000) {
      maxRss = Math.max(maxRss, rssMb(pid));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const cpuSeconds = (cpuTicks(pid) - startTicks) / ticksPerSecond;
    const elapsed = (Date.now() - started) / 1000;
    const beats = await t.db.query<{ seen: string }>('SELECT last_seen::text AS seen FROM connecteur_agent_heartbeats');
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    const percent = (cpuSeconds / elapsed) * 100;
    const window = `${minutes} min`;
    return [
      {
        scenario: `agent idle, ${window} between scheduled runs: CPU`,
        figure: percent,
        unit: '% core',
        target: '< 1 %',
        met: percent < 1,
        note: `${cpuSeconds.toFixed(2)} s CPU in ${elapsed.toFixed(0)} s; last heartbeat ${beats.rows[0]?.seen ?? '?'}`,
      },
      { scenario: `agent idle, ${window}: peak RSS`, figure: maxRss, unit: 'MB', target: '< 100 MB', met: maxRss < 100 },
    ];
  } finally {
    await t.drop();
  }
}
