/**
 * The Functions worker's dependencies: its settings, each company's services and the run queue
 * on the host's storage. Built on the first invocation, not when the entry files load (a bad
 * setting is then a 400 on a request, not a worker that cannot start), and shared by every entry
 * file of the worker: one staging pool per company and process.
 */
import { processEnv, type Env } from '../../lib/config.js';
import { CompanyDirectory } from '../../lib/companyServices.js';
import { runQueueFrom, type RunQueue } from '../../lib/queue/client.js';
import type { HandlerDeps } from './http.js';

function workerDependencies(): HandlerDeps {
  let env: Env | undefined;
  let directory: CompanyDirectory | undefined;
  let queue: RunQueue | null | undefined;
  const settings = () => (env ??= processEnv());
  return {
    get directory() {
      return (directory ??= new CompanyDirectory(settings()));
    },
    // With the host's storage configured (always in Azure) runs go on the queue.
    get queue() {
      if (queue === undefined) queue = runQueueFrom(settings());
      return queue;
    },
  };
}

let worker: HandlerDeps | undefined;

export function processDependencies(): HandlerDeps {
  return (worker ??= workerDependencies());
}
