/** The triggers' handlers over a test's own services, as the Functions worker makes them over its own. */
import { CompanyDirectory } from '../../src/lib/companyServices.js';
import type { RunQueue } from '../../src/lib/queue/client.js';
import type { Services } from '../../src/lib/services.js';
import { createHandlers, type Handlers } from '../../src/functions/handlers/index.js';

export type TestHandlers = Handlers & { directory: CompanyDirectory };

/** `queue`: where runs go (null: in the request, as `connecteur serve` runs them). */
export function handlersFor(services: Services, queue: RunQueue | null = null): TestHandlers {
  const directory = new CompanyDirectory(services.env, services);
  return { ...createHandlers({ directory, queue }), directory };
}
