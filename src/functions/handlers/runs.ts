/** The run API: POST /api/<job> on the queue (202 or `?wait=`), GET /api/runs/{runId}, GET /api/runs. */
import type { HttpFunctionOptions, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { ConfigurationError } from '../../lib/errors.js';
import { findRun, isFinished, runHistory, waitForRun, type RunView } from '../../lib/ops/runs.js';
import type { RunQueue } from '../../lib/queue/client.js';
import { enqueueRun } from '../../lib/queue/runs.js';
import { errorResponse, json, type HandlerDeps } from './http.js';
import { HTTP_STATUS_OF_KIND, isRunStatus, RUN_STATUSES } from '../../lib/domain/runs.js';
import { isJobName, type JobName } from '../../lib/sync/registry.js';

const MAX_WAIT_SECONDS = 120;

function readWait(request: HttpRequest): number {
  const raw = request.query.get('wait');
  if (raw === null || raw === '') return 0;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_WAIT_SECONDS) {
    throw new ConfigurationError(`Paramètre wait invalide : « ${raw} » (secondes, de 0 à ${MAX_WAIT_SECONDS}).`, { code: 'BAD_INPUT' });
  }
  return seconds;
}

const location = (runId: string) => `/api/runs/${runId}`;

/** A finished run answers as an in-request run did: 200, or the status of what stopped it. */
function finishedAnswer(view: RunView): HttpResponseInit {
  return json(view.errorKind ? HTTP_STATUS_OF_KIND[view.errorKind] : 200, view);
}

export function runHandlers(deps: HandlerDeps) {
  /** Records the run as queued and sends its message; waits for its end when `?wait=` asks. */
  async function enqueueAnswer(
    job: JobName,
    { dryRun, allowMassDelete }: { dryRun: boolean; allowMassDelete?: boolean },
    request: HttpRequest,
    queue: RunQueue,
  ): Promise<HttpResponseInit> {
    const wait = readWait(request);
    const company = request.query.get('company');
    const services = deps.directory.get(company);
    const { runId, skipped } = await enqueueRun(services, queue, { job, dryRun, allowMassDelete, trigger: 'http' });
    const accepted = (view: RunView | null): HttpResponseInit => ({
      status: 202,
      jsonBody: view ?? { job, runId, status: skipped ? 'skipped' : 'queued', dryRun, company: services.scope.company },
      headers: { 'content-type': 'application/json; charset=utf-8', location: location(runId) },
    });
    if (wait === 0) return accepted(null);
    const view = await waitForRun({ company: services.scope.company, services }, runId, wait * 1000, undefined, deps.signal);
    return view && isFinished(view) ? finishedAnswer(view) : accepted(view);
  }

  async function getRunHandler(request: HttpRequest): Promise<HttpResponseInit> {
    try {
      const runId = request.params.runId ?? '';
      const view = await findRun(deps.directory.select(request.query.get('company')), runId);
      if (!view) return json(404, { code: 'RUN_NOT_FOUND', message: `Exécution inconnue : « ${runId} ».` });
      return json(200, view);
    } catch (error) {
      return errorResponse(error);
    }
  }

  async function listRunsHandler(request: HttpRequest): Promise<HttpResponseInit> {
    try {
      const job = request.query.get('job') || undefined;
      const status = request.query.get('status') || undefined;
      if (job !== undefined && !isJobName(job)) throw new ConfigurationError(`Job inconnu : « ${job} ».`, { code: 'BAD_INPUT' });
      if (status !== undefined && !isRunStatus(status)) {
        throw new ConfigurationError(`Statut inconnu : « ${status} » (attendu : ${RUN_STATUSES.join(', ')}).`, { code: 'BAD_INPUT' });
      }
      const limit = Math.min(Math.max(Number(request.query.get('limit') ?? 50) || 50, 1), 500);
      const runs = await runHistory(deps.directory.select(request.query.get('company')), { job, status, limit });
      return json(200, { runs });
    } catch (error) {
      return errorResponse(error);
    }
  }

  const runFunctions: Record<string, HttpFunctionOptions> = {
    'run-get': {
      methods: ['GET'],
      authLevel: 'function',
      route: 'runs/{runId}',
      handler: (r: HttpRequest, _c: InvocationContext) => getRunHandler(r),
    },
    'run-list': {
      methods: ['GET'],
      authLevel: 'function',
      route: 'runs',
      handler: (r: HttpRequest, _c: InvocationContext) => listRunsHandler(r),
    },
  };

  return { enqueueAnswer, getRunHandler, listRunsHandler, runFunctions };
}
