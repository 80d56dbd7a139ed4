/** Starts the BatiSimply sandbox on a free port and gives the settings that point at it. */
import { Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import type { Env } from '../../src/lib/config.js';

export async function startSandbox(options: SandboxOptions = {}): Promise<{ sandbox: Sandbox; env: Env }> {
  const sandbox = new Sandbox(options);
  await sandbox.start();
  return { sandbox, env: sandboxEnv(sandbox) };
}

export function sandboxEnv(sandbox: Sandbox): Env {
  return {
    BATISIMPLY_API_URL: sandbox.url,
    BATISIMPLY_TOKEN_URL: sandbox.tokenUrl,
    BATISIMPLY_CLIENT_ID: 'bridge-data',
    BATISIMPLY_CLIENT_SECRET: 'sandbox-secret',
    BATISIMPLY_USERNAME: 'demo',
    BATISIMPLY_PASSWORD: 'demo',
    BATISIMPLY_HEADQUARTER_ID: '1',
    BATISIMPLY_MAX_RETRIES: '3',
    BATISIMPLY_TIMEOUT_MS: '2000',
    SYNC_TIMEZONE: 'Europe/Paris',
  };
}
