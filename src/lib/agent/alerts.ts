/**
 * Alerts where nobody watches the server (`--role all`, no Azure Monitor): a failed run, held
 * hours and a silent schedule are posted to ALERT_WEBHOOK_URL once when they appear and once when
 * they clear, and shown at the top of the dashboard while open. The state lives in the staging
 * (`connecteur_alerts`): a restart posts nothing twice, and a post that failed is sent again.
 */
import { hostname } from 'node:os';
import { toConnectorError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import { markAlertsNotified, reconcileAlerts, unnotifiedAlerts, type AlertRow } from '../staging/agent.js';
import { countPendingHeures } from '../staging/heures.js';
import { lastRunPerJob, lastStartedAt } from '../staging/runs.js';
import { isChain, isJobName } from '../sync/registry.js';
import type { PlannedJob } from './plan.js';
import { frenchDuration } from './state.js';

export interface Problem {
  key: string;
  kind: 'run-failed' | 'heures-held' | 'schedule-silent';
  message: string;
}

/** The problems of one company now. A schedule is silent after AGENT_SILENCE_PERIODS of its periods without a run. */
export async function currentProblems(services: Services, planned: readonly PlannedJob[], since: Date): Promise<Problem[]> {
  const db = await services.staging();
  const problems: Problem[] = [];
  for (const run of await lastRunPerJob(db)) {
    // A chain fails when one of its steps does: the step says which.
    if (run.status !== 'failed' || (isJobName(run.job) && isChain(run.job))) continue;
    problems.push({
      key: `run-failed:${run.job}`,
      kind: 'run-failed',
      message: `Échec du job ${run.job} : ${run.message ?? run.errors[0]?.message ?? 'raison inconnue'}`,
    });
  }
  const { held } = await countPendingHeures(db);
  if (held > 0) {
    problems.push({
      key: 'heures-held',
      kind: 'heures-held',
      message: `${held} créneau(x) horaire(s) retenu(s) : ils n'iront pas dans SuiviMO sans intervention (raisons au tableau de bord).`,
    });
  }
  const periods = services.agent().AGENT_SILENCE_PERIODS;
  for (const p of planned) {
    const last = (await lastStartedAt(db, [p.job])) ?? since;
    const silentSeconds = (Date.now() - Math.max(last.getTime(), since.getTime())) / 1000;
    if (silentSeconds > periods * p.schedule.periodSeconds) {
      problems.push({
        key: `schedule-silent:${p.job}`,
        kind: 'schedule-silent',
        message: `Aucune exécution de ${p.job} depuis ${frenchDuration(silentSeconds)} (${p.schedule.setting} = ${p.schedule.expression}).`,
      });
    }
  }
  return problems;
}

export interface AlertPost {
  text: string;
  event: 'problem' | 'cleared';
  key: string;
  kind: string;
  company: string;
  host: string;
  message: string;
  openedAt: string;
}

function post(url: string, body: AlertPost): Promise<void> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).then(async (res) => {
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  });
}

/**
 * Keeps one company's alerts: records what is open now, posts what appeared or cleared since the
 * last post. Without ALERT_WEBHOOK_URL the dashboard banner is all.
 */
export class Alerts {
  private queue = Promise.resolve();

  constructor(
    private readonly planned: readonly PlannedJob[],
    private readonly log: Logger,
    private readonly since = new Date(),
  ) {}

  /** Serialised per process: runs and ticks of several jobs call it at once. */
  evaluate(company: string, services: Services): Promise<void> {
    const next = this.queue.then(() => this.evaluateNow(company, services));
    this.queue = next.catch(() => {});
    return next;
  }

  private async evaluateNow(company: string, services: Services) {
    const db = await services.staging();
    const problems = await currentProblems(
      services,
      this.planned.filter((p) => p.company === company),
      this.since,
    );
    await reconcileAlerts(db, problems);
    const { ALERT_WEBHOOK_URL: url } = await services.alerts();
    if (!url) return;
    const { opened, cleared } = await unnotifiedAlerts(db);
    const posted = { opened: [] as string[], cleared: [] as string[] };
    const send = async (alert: AlertRow, event: 'problem' | 'cleared') => {
      const text =
        event === 'problem'
          ? `⚠ Connecteur SAGES (${company}, ${hostname()}) : ${alert.message}`
          : `✔ Connecteur SAGES (${company}, ${hostname()}) : résolu — ${alert.message}`;
      try {
        await post(url, {
          text,
          event,
          key: alert.key,
          kind: alert.kind,
          company,
          host: hostname(),
          message: alert.message,
          openedAt: alert.openedAt,
        });
        (event === 'problem' ? posted.opened : posted.cleared).push(alert.key);
        this.log.info(`Alerte envoyée (${event === 'problem' ? 'problème' : 'résolu'}) : ${alert.message}`, {
          event: 'alert.posted',
          key: alert.key,
        });
      } catch (error) {
        // Not marked: posted again on the next evaluation.
        this.log.warn(`Alerte non envoyée à ALERT_WEBHOOK_URL (${toConnectorError(error).message}) : nouvel essai plus tard.`, {
          event: 'alert.failed',
          key: alert.key,
        });
      }
    };
    for (const a of opened) await send(a, 'problem');
    for (const a of cleared) await send(a, 'cleared');
    await markAlertsNotified(db, posted.opened, posted.cleared);
  }
}
