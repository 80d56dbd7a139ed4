/**
 * `connecteur agent`: a long-running process beside Batigest. Role `batigest` runs the steps that
 * touch Batigest (`transfer` on CHANTIERS_SCHEDULE, `heures-to-sqlserver` on HEURES_SCHEDULE)
 * against the staging the cloud side owns; role `all` runs every job (the chains) on its schedule,
 * against a staging it owns. Each company's jobs run through the runner, under the same job locks
 * as the cloud side's, so no step ever runs twice at once.
 *
 * Robust by construction: a failed start of a run (staging or SQL Server down) is tried again with
 * backoff until the next occurrence, never ending the process; an occurrence missed while the
 * machine was off or asleep runs once when it is back; a stop ends the current step between two
 * batches (`interrupted`, « arrêt demandé »).
 */
import type { CompanyDirectory } from '../companyServices.js';
import { toConnectorError, UpstreamError, type ConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { lastStartedAt } from '../staging/runs.js';
import { runJob } from '../sync/runner.js';
import { STATUS_FR, type AnyReport } from '../domain/runs.js';
import { Heartbeats } from './heartbeat.js';
import type { AgentRole, PlannedJob } from './plan.js';
import { schemaMismatch } from './schemaCheck.js';

/** The longest sleep between two looks at the clock: after a machine's sleep, a missed occurrence runs within this. */
const TICK_MS = 30_000;
const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export interface AgentOptions {
  role: AgentRole;
  directory: CompanyDirectory;
  version: string;
  signal: AbortSignal;
  log: Logger;
  /** Between two heartbeats while idle (default 60 s, or half the shortest schedule's period when shorter). */
  heartbeatEveryMs?: number;
  /** Called after each run (`--role all` evaluates its alerts there). */
  afterRun?: (company: string, services: Services) => Promise<void>;
  /** Called with every heartbeat tick (`--role all`: alerts of silent schedules). */
  onTick?: (company: string, services: Services) => Promise<void>;
}

/** Sleeps until `ms` passed or the signal aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done);
  });
}

/** Runs until the signal aborts; resolves once the current steps ended cleanly. */
export async function runAgent(options: AgentOptions, planned: readonly PlannedJob[]): Promise<void> {
  const { directory, signal, log } = options;
  const heartbeats = new Heartbeats(options, planned);
  const loops = planned.map((p) => jobLoop(options, p, heartbeats, directory.get(p.company)));
  const companies = [...new Set(planned.map((p) => p.company))];
  // Seen often enough that a reader never takes it for silent: at least twice per shortest period.
  const shortest = Math.min(...planned.map((p) => p.schedule.periodSeconds)) * 1000;
  const every = options.heartbeatEveryMs ?? Math.max(1_000, Math.min(60_000, shortest / 2));
  const beat = (async () => {
    while (!signal.aborted) {
      for (const company of companies) {
        const services = directory.get(company);
        await heartbeats.beat(company, services);
        await options
          .onTick?.(company, services)
          .catch((error: unknown) => log.warn(`Vérification des alertes impossible : ${toConnectorError(error).message}`, { company }));
      }
      await pause(every, signal);
    }
  })();
  await Promise.all([...loops, beat]);
  // The last word: stopped, seen now (the next reader counts silence from here).
  for (const company of companies) await heartbeats.beat(company, directory.get(company), { lastError: null });
}

async function jobLoop(options: AgentOptions, planned: PlannedJob, heartbeats: Heartbeats, services: Services): Promise<void> {
  const { signal } = options;
  const log = options.log.child({ company: planned.company, job: planned.job });
  const { schedule } = planned;
  let occurrence = await firstOccurrence(planned, services, log);
  let retries = 0;
  while (!signal.aborted) {
    const wait = occurrence.getTime() - Date.now();
    if (wait > 0) {
      // Never one long timer: a machine that slept past the occurrence runs it within TICK_MS of waking.
      await pause(Math.min(wait, TICK_MS), signal);
      continue;
    }
    const failure = await runOnce(options, planned, heartbeats, services, occurrence, log);
    if (signal.aborted) break;
    const next = schedule.next(new Date());
    if (failure?.retryable) {
      // Tried again before the next occurrence, with backoff (5 s, 10 s … 5 min); the next occurrence wins.
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** retries) * (0.75 + Math.random() / 2);
      retries++;
      const retryAt = new Date(Date.now() + delay);
      if (retryAt < next) {
        log.warn(`Nouvel essai de ${planned.job} dans ${Math.round(delay / 1000)} s : ${failure.message}`, { code: failure.code });
        await pause(delay, signal);
        continue;
      }
    }
    retries = 0;
    occurrence = next;
    log.debug(`Prochaine exécution de ${planned.job} : ${occurrence.toISOString()}`);
  }
}

/**
 * An occurrence missed while the agent was not running (the last run that went through started
 * before the last occurrence) is run at once, and only once; otherwise the next one.
 */
async function firstOccurrence(planned: PlannedJob, services: Services, log: Logger): Promise<Date> {
  const now = new Date();
  const previous = planned.schedule.previous(now);
  if (!previous) return planned.schedule.next(now);
  try {
    // A failed or interrupted run did not take the occurrence: it is run again.
    const last = await lastStartedAt(await services.staging(), [planned.job], ['succeeded', 'partial']);
    if (last !== null && last >= previous) return planned.schedule.next(now);
    log.info(`Échéance manquée de ${planned.job} (${previous.toISOString()}) : exécution maintenant.`, { event: 'agent.catch-up' });
  } catch (error) {
    // Staging unreachable at start: the first occurrence is run (and retried) as any other.
    log.warn(`Historique illisible (${toConnectorError(error).message}) : exécution dès que possible.`);
  }
  return previous;
}

/** One run of the occurrence; answers what stopped it, when something did. */
async function runOnce(
  options: AgentOptions,
  planned: PlannedJob,
  heartbeats: Heartbeats,
  services: Services,
  occurrence: Date,
  log: Logger,
): Promise<ConnectorError | undefined> {
  const { job } = planned;
  try {
    const mismatch = await schemaMismatch(services, options.role);
    if (mismatch) {
      log.error(mismatch.message, { event: 'agent.schema-mismatch', schemaKnown: mismatch.known, schemaFound: mismatch.found });
      await heartbeats.beat(planned.company, services, { lastStep: job, lastStatus: 'non exécuté', lastError: mismatch.message });
      return undefined;
    }
    // Two agents started by mistake take the same occurrence: the second finds it run, allowing for clocks a little apart.
    const slack = Math.min(60_000, (planned.schedule.periodSeconds * 1000) / 2);
    const outcome = await runJob(services, job, {
      trigger: 'agent',
      log,
      signal: options.signal,
      notBefore: new Date(occurrence.getTime() - slack),
    });
    if (outcome.duplicate) {
      log.info(`${job} : échéance déjà exécutée par un autre agent.`, { event: 'agent.duplicate' });
      return undefined;
    }
    const { status } = outcome.report;
    const failed = outcome.fatal ?? firstFailure(outcome.report);
    await heartbeats.beat(planned.company, services, {
      lastStep: job,
      lastStatus: STATUS_FR[status],
      lastError: failed ? failed.message : null,
    });
    await options
      .afterRun?.(planned.company, services)
      .catch((error: unknown) => log.warn(`Vérification des alertes impossible : ${toConnectorError(error).message}`));
    return outcome.fatal && outcome.fatal.retryable ? outcome.fatal : undefined;
  } catch (error) {
    // The run could not even start (staging down, lock unreadable): logged by the runner, retried here.
    const e = toConnectorError(error);
    log.warn(`${job} non exécuté : ${e.message}`, { event: 'agent.not-run', code: e.code });
    await heartbeats.beat(planned.company, services, { lastStep: job, lastStatus: 'non exécuté', lastError: e.message });
    return e.retryable || e instanceof UpstreamError ? e : undefined;
  }
}

function firstFailure(report: AnyReport): { message: string } | undefined {
  const steps = 'steps' in report ? report.steps : [report];
  const failed = steps.find((s) => s.status === 'failed');
  return failed ? { message: failed.errors[0]?.message ?? `${failed.job} : échec` } : undefined;
}
