/** Starts the BatiSimply sandbox on a free port and gives the settings that point at it. */
import { Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import type { Env } from '../../src/lib/config.js';

export async function startSandbox(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; env: Env }> {
  const sandbox = new Sandbox(options);
  await sandbox.start();
  return { sandbox, env: sandboxEnv(sandbox) };
}

export function sandboxEnv(sandbox: Sandbox): Env {
  // Short timeouts and few retries keep the fault tests quick.
  return {
    ...sandbox.connectorSettings(),
    BATISIMPLY_MAX_RETRIES: '3',
    BATISIMPLY_TIMEOUT_MS: '2000',
    BATISIMPLY_CREATE_SETTLE_MS: '500',
    SYNC_TIMEZONE: 'Europe/Paris',
  };
}
