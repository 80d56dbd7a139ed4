/**
 * The HTTP functions' handlers over real HTTP, mounted as `connecteur serve` mounts them (the
 * Functions host itself cannot run on these machines); the function key is `TEST_KEY`.
 */
import { startLocalServer, type LocalServer } from '../../src/cli/serve.js';
import type { Handlers } from '../../src/functions/handlers/index.js';

export const TEST_KEY = 'test-key';

export function startFunctionsServer(handlers: Pick<Handlers, 'httpFunctions'>): Promise<LocalServer> {
  return startLocalServer({ httpFunctions: handlers.httpFunctions, port: 0, token: TEST_KEY });
}
