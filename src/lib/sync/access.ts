/**
 * Where each step runs. With BATIGEST_ACCESS=agent the cloud side cannot reach SQL Server: the
 * steps that touch Batigest (as the registry declares them) are the on-site agent's, and this
 * side skips them in its chains and refuses them when asked for by name.
 */
import { ConfigurationError } from '../errors.js';
import type { Services } from '../services.js';
import type { Trigger } from '../domain/runs.js';
import { isChain, stepTouches, type JobName, type StepJobName } from './registry.js';

/** True when this process must leave the step to the agent. */
export function leftToAgent(services: Services, step: StepJobName, trigger: Trigger): boolean {
  return trigger !== 'agent' && stepTouches(step, 'batigest') && services.agent().BATIGEST_ACCESS === 'agent';
}

/** A step asked for by name (HTTP, queue, CLI) that only the agent runs: refused before anything is recorded. */
export function refuseIfLeftToAgent(services: Services, job: JobName, trigger: Trigger): void {
  if (isChain(job) || !leftToAgent(services, job, trigger)) return;
  throw new ConfigurationError(
    `Le job « ${job} » lit ou écrit Batigest : avec BATIGEST_ACCESS=agent, il est exécuté par l'agent sur site (connecteur agent), ` +
      `selon CHANTIERS_SCHEDULE et HEURES_SCHEDULE. Lancez-le sur la machine de l'agent (connecteur run ${job}), ou lancez l'enchaînement ` +
      `« ${job === 'transfer' ? 'chantiers' : 'heures'} », dont cette étape sera passée.`,
    { code: 'RUN_BY_AGENT' },
  );
}
