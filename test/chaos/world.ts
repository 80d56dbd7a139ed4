/**
 * The campaign's world: a sandbox in this process, a staging database on the real server, the
 * built CLI in child processes, and the truth to hold them to. Every output is kept for the final
 * secret scan.
 */
import type { ChildProcess } from 'node:child_process';
import type { Env } from '../../src/lib/config.js';
import type { FaultRule } from '../../src/sandbox/faults.js';
import { Sandbox } from '../../src/sandbox/server.js';
import { connecteur, type CliResult } from '../support/cli.js';
import { emptyTables } from '../support/fixture.js';
import { freshDatabase, type TestDatabase } from '../support/pg.js';
import { NASTY_SECRETS } from '../support/secretScan.js';
import { daysAgo, slot } from '../support/slots.js';
import type { SandboxProject, SandboxTimeSlot } from '../../src/sandbox/state.js';

export const CLIENT_ID = 'bridge-data';
export const CHANTIERS = 12;
/** Above HEURES_MASS_DELETE_MIN (20 by default): a window answered empty trips the mass-deletion guard. */
export const SLOTS = 24;

export const chantierCode = (i: number) => `K${String(i).padStart(4, '0')}`;

export interface ResetOptions {
  /** Chantiers staged to push (default CHANTIERS). */
  chantiers?: number;
  /** Projects BatiSimply already holds. */
  projects?: SandboxProject[];
}

export interface Output {
  label: string;
  text: string;
}

/** Waits for an observable state, with an upper bound so a broken case fails instead of hanging. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, boundMs = 30_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`attente trop longue : ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export class ChaosWorld {
  readonly outputs: Output[] = [];
  /** Settings of the current case over the campaign's; cleared by reset(). */
  private overrides: Env = {};
  private constructor(
    readonly t: TestDatabase,
    readonly sandbox: Sandbox,
    readonly env: Env,
  ) {}

  static async open(random: () => number): Promise<ChaosWorld> {
    const t = await freshDatabase();
    const sandbox = new Sandbox({
      random,
      seed: {
        clients: [{ clientId: CLIENT_ID, clientSecret: NASTY_SECRETS.BATISIMPLY_CLIENT_SECRET }],
        users: [{ username: 'demo', password: NASTY_SECRETS.BATISIMPLY_PASSWORD }],
      },
    });
    await sandbox.start();
    const url = new URL(t.url);
    // Trust authentication ignores it; it is there to be leaked, and must not be.
    url.password = encodeURIComponent(NASTY_SECRETS.STAGING_PASSWORD);
    const env: Env = {
      ...sandbox.connectorSettings(),
      STAGING_DATABASE_URL: url.toString(),
      BATIGEST_SQL_SERVER: '127.0.0.1',
      BATIGEST_SQL_PORT: '9',
      BATIGEST_SQL_DATABASE: 'batigest',
      BATIGEST_SQL_USER: 'connecteur',
      BATIGEST_SQL_PASSWORD: NASTY_SECRETS.BATIGEST_SQL_PASSWORD,
      BATISIMPLY_MAX_RETRIES: '3',
      BATISIMPLY_TIMEOUT_MS: '2000',
      // The sandbox applies a write before it answers (delayed-apply aside, whose case sets its own
      // margin): a short settle keeps each unanswered create's wait to seconds, not the default 30 s.
      BATISIMPLY_CREATE_SETTLE_MS: '500',
      // One request at a time: the seeded draws then fall on the same requests at every campaign.
      BATISIMPLY_CONCURRENCY: '1',
      SYNC_TIMEZONE: 'Europe/Paris',
    };
    return new ChaosWorld(t, sandbox, env);
  }

  /** Empty staging, the sandbox back to its seed with SLOTS time slots, CHANTIERS chantiers to push. */
  async reset(options: ResetOptions = {}) {
    await emptyTables(this.t.db);
    this.sandbox.faults.clear();
    this.sandbox.stats.clear();
    this.overrides = {};
    const slots: SandboxTimeSlot[] = [];
    for (let i = 1; i <= SLOTS; i++) slots.push(slot(1000 + i, daysAgo(1 + (i % 20), '07:00:00'), 60 + i));
    this.sandbox.state.load({
      clients: [{ clientId: CLIENT_ID, clientSecret: NASTY_SECRETS.BATISIMPLY_CLIENT_SECRET }],
      users: [{ username: 'demo', password: NASTY_SECRETS.BATISIMPLY_PASSWORD }],
      timeSlots: slots,
      projects: options.projects ?? [],
    });
    const codes = Array.from({ length: options.chantiers ?? CHANTIERS }, (_, i) => chantierCode(i + 1));
    await this.t.db.query(
      `INSERT INTO batigest_chantiers (code, description, nom_client, sync) SELECT c, 'Chantier ' || c, 'Client', false FROM unnest($1::text[]) AS c`,
      [codes],
    );
  }

  faults(rules: FaultRule[]) {
    this.sandbox.faults.clear();
    this.sandbox.faults.add(rules);
  }

  /** Settings for the current case only (e.g. a client timeout shorter than a gateway's hold). */
  settings(overrides: Env) {
    this.overrides = { ...this.overrides, ...overrides };
  }

  async cli(label: string, args: string[], onSpawn?: (child: ChildProcess) => void): Promise<CliResult> {
    const result = await connecteur(args, { ...this.env, ...this.overrides }, onSpawn);
    this.outputs.push({ label: `${label} : connecteur ${args.join(' ')}`, text: `${result.stdout}\n${result.stderr}` });
    return result;
  }

  /** Runs `job` until it exits 0, at most `rounds` times: the rounds it took, or undefined. */
  async converge(label: string, job: string, rounds: number, extra: string[] = []): Promise<number | undefined> {
    for (let round = 1; round <= rounds; round++) {
      if ((await this.cli(label, ['run', job, '--json', ...extra])).code === 0) return round;
    }
    return undefined;
  }

  /** Advisory locks still held on the staging database (a dead process's are gone once the server saw it die). */
  async heldLocks(): Promise<number> {
    const { rows } = await this.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    return rows[0]!.n;
  }

  /**
   * What differs from the truth: duplicate projects, staged chantiers not matching BatiSimply, staged
   * slots not matching it. `otherProjects`: projects BatiSimply holds that no staged chantier owns.
   */
  async differences(options: { chantiers: boolean; heures: boolean; otherProjects?: number }): Promise<string[]> {
    const problems: string[] = [];
    const projects = [...this.sandbox.state.projects.values()];
    const byCode = new Map<string, number[]>();
    for (const p of projects) byCode.set(p.projectCode, [...(byCode.get(p.projectCode) ?? []), p.id]);
    const duplicates = [...byCode.values()].filter((ids) => ids.length > 1).length;
    if (duplicates > 0) problems.push(`${duplicates} projet(s) en double`);
    if (options.chantiers) {
      const { rows } = await this.t.db.query<{ code: string; sync: boolean; batisimply_id: number | null }>(
        'SELECT code, sync, batisimply_id FROM batigest_chantiers ORDER BY code',
      );
      for (const r of rows) {
        const ids = byCode.get(r.code) ?? [];
        if (!r.sync || ids.length !== 1 || Number(r.batisimply_id) !== ids[0]) {
          problems.push(`chantier ${r.code} : sync=${r.sync}, id=${r.batisimply_id}, projets=${ids.join('/') || 'aucun'}`);
        }
      }
      const others = options.otherProjects ?? 0;
      if (projects.length !== rows.length + others) {
        problems.push(`${projects.length} projets pour ${rows.length} chantiers${others ? ` et ${others} autres projets` : ''}`);
      }
    }
    if (options.heures) {
      const { rows } = await this.t.db.query<{ id: string }>(
        'SELECT id_heure AS id FROM batigest_heures WHERE deleted_at IS NULL ORDER BY 1',
      );
      const staged = rows.map((r) => r.id).join(',');
      const truth = [...this.sandbox.state.timeSlots.keys()].sort().join(',');
      if (staged !== truth) problems.push(`heures en staging ≠ BatiSimply (${rows.length} pour ${this.sandbox.state.timeSlots.size})`);
    }
    const locks = await this.heldLocks();
    if (locks > 0) problems.push(`${locks} verrou(s) restés pris`);
    const { rows: running } = await this.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM connecteur_runs WHERE status = 'running'`,
    );
    if (running[0]!.n > 0) problems.push(`${running[0]!.n} exécution(s) restées « running »`);
    return problems;
  }

  async close() {
    await this.sandbox.stop();
    await this.t.drop();
  }
}
