/** The usual test world: a fresh staging database on the real server and a sandbox to talk to. */
import type { Env } from '../../src/lib/config.js';
import type { Sandbox, SandboxOptions } from '../../src/sandbox/server.js';
import { freshDatabase, type TestDatabase } from './pg.js';
import { startSandbox } from './sandbox.js';

export interface World {
  t: TestDatabase;
  sandbox: Sandbox;
  /** Settings pointing at the sandbox (and at the staging database with `stagingInEnv`). */
  env: Env;
}

export async function openWorld(options: { sandbox?: SandboxOptions; env?: Env; stagingInEnv?: boolean } = {}): Promise<World> {
  const t = await freshDatabase();
  const { sandbox, env } = await startSandbox(options.sandbox);
  return { t, sandbox, env: { ...env, ...(options.stagingInEnv ? { STAGING_DATABASE_URL: t.url } : {}), ...options.env } };
}

export async function closeWorld(world: Partial<World>) {
  await world.sandbox?.stop();
  await world.t?.drop();
}
