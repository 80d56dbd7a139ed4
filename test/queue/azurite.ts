/**
 * Azurite's queue service (the Storage emulator) for the tests: started on a free port, in
 * memory, and ready once it prints where it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.bin/azurite-queue');

/** Azurite's documented development account: a public, well-known key, not a secret. */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  stop(): Promise<void>;
}

/** `strict`: Azurite as `npx azurite-queue` starts it, checking the API version of each request. */
export async function startAzurite(options: { strict?: boolean } = {}): Promise<Azurite> {
  const location = await mkdtemp(path.join(os.tmpdir(), 'azurite-'));
  const child: ChildProcess = spawn(
    BIN,
    [
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      '0',
      '--inMemoryPersistence',
      ...(options.strict ? [] : ['--skipApiVersionCheck']),
      '--disableTelemetry',
    ],
    { cwd: location, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /successfully listens on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`azurite-queue exited (${code}): ${output}`)));
    child.once('error', reject);
  });
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};QueueEndpoint=${url}/${DEV_ACCOUNT};`,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(location, { recursive: true, force: true });
    },
  };
}
