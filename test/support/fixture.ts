/**
 * The usual test world: a fresh staging database on the real server (cloned from the migrated
 * template), a sandbox to talk to, and the Services under test. `useWorld()` registers the hooks of
 * the file (or of the `describe` it is called in) and hands back the world they fill.
 */
import { after, before, beforeEach } from 'node:test';
import type { Env } from '../../src/lib/config.js';
import type { Services } from '../../src/lib/services.js';
import type { PostgresDb, Queryable } from '../../src/lib/staging/db.js';
import type { Sandbox, SandboxOptions } from '../../src/sandbox/server.js';
import { freshDatabase, type TestDatabase } from './pg.js';
import { startSandbox } from './sandbox.js';

export interface WorldOptions {
  /** The sandbox's options; false: no sandbox (a file that talks to no BatiSimply). */
  sandbox?: SandboxOptions | false;
  /** Settings added to (or overriding) the sandbox's. */
  env?: Env;
  /** Puts the database's URL in STAGING_DATABASE_URL, for code that opens the staging itself. */
  stagingInEnv?: boolean;
  /** false: an empty database, not migrated (the tables a file makes there are emptied all the same). */
  migrate?: boolean;
  /**
   * false: the tables are emptied and the sandbox reset once, for a file that builds one state in
   * its before hook and reads it from several tests.
   */
  resetEach?: boolean;
  /** Built before each test, once the tables are emptied and the sandbox reset (state, faults, counts); the previous one is closed. */
  services?: (world: World) => Services;
}

export interface World {
  readonly t: TestDatabase;
  readonly db: PostgresDb;
  readonly sandbox: Sandbox;
  /** Settings pointing at the sandbox (and at the staging database with `stagingInEnv`). */
  readonly env: Env;
  readonly services: Services;
  /** Empties every data table again (within a test). */
  empty(): Promise<void>;
  /**
   * Runs `fn` in the world's before hook, once the world is open. A file's own top-level `before`
   * would not do: Node 20 starts a file's top-level before hooks together, so one could read the
   * world before it exists.
   */
  setup(fn: () => Promise<void> | void): void;
  /**
   * Runs `fn` in the world's after hook, before the services close, the sandbox stops and the
   * database is dropped (what the file opened on them: pools, servers, child processes).
   */
  teardown(fn: () => Promise<void> | void): void;
}

/**
 * Empties every table of every schema (public and the companies'), read from the catalog so a new
 * migration's table is emptied too; the migration bookkeeping table keeps its rows.
 */
export async function emptyTables(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'connecteur_schema_version'`,
  );
  if (rows.length > 0) await db.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} CASCADE`);
}

function opened<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is made by useWorld's before hook: read it inside a test or hook`);
  return value;
}

export function useWorld(options: WorldOptions = {}): World {
  let t: TestDatabase | undefined;
  let sandbox: Sandbox | undefined;
  let env: Env | undefined;
  let services: Services | undefined;
  const setups: (() => Promise<void> | void)[] = [];
  const teardowns: (() => Promise<void> | void)[] = [];
  const migrated = options.migrate !== false;
  const world: World = {
    get t() {
      return opened(t, 'the database');
    },
    get db() {
      return opened(t, 'the database').db;
    },
    get sandbox() {
      return opened(sandbox, 'the sandbox');
    },
    get env() {
      return opened(env, 'the settings');
    },
    get services() {
      return opened(services, 'the services');
    },
    empty: () => emptyTables(world.db),
    setup: (fn) => void setups.push(fn),
    teardown: (fn) => void teardowns.push(fn),
  };
  const reset = async () => {
    await emptyTables(world.db);
    // Back to the file's seed (its clients and users too), not to the default one.
    sandbox?.state.load((options.sandbox || {}).seed ?? {});
    sandbox?.faults.clear();
    sandbox?.stats.clear();
  };
  before(async () => {
    t = await freshDatabase({ migrate: migrated });
    const started = options.sandbox === false ? undefined : await startSandbox(options.sandbox);
    sandbox = started?.sandbox;
    env = { ...started?.env, ...(options.stagingInEnv ? { STAGING_DATABASE_URL: t.url } : {}), ...options.env };
    for (const fn of setups) await fn();
  });
  after(async () => {
    for (const fn of teardowns) await fn();
    await services?.close();
    await sandbox?.stop();
    await t?.drop();
  });
  beforeEach(async () => {
    if (options.resetEach !== false) await reset();
    if (options.services) {
      await services?.close();
      services = options.services(world);
    }
  });
  return world;
}
