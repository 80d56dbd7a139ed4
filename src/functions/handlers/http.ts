/** What the HTTP triggers share: their dependencies, JSON answers, and errors mapped to statuses. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { HTTP_STATUS_OF_KIND } from '../../lib/domain/runs.js';
import { ConfigurationError, ConflictError, errorKindOf, toConnectorError, UpstreamError, type ConnectorError } from '../../lib/errors.js';
import { createLogger, type Logger, type Sink } from '../../lib/log.js';
import type { CompanyDirectory } from '../../lib/companyServices.js';
import type { RunQueue } from '../../lib/queue/client.js';

/**
 * What the handlers run against. Read at each invocation, not when the handlers are made: the
 * Functions worker builds its own on first use (process.ts).
 */
export interface HandlerDeps {
  /** Each company's services, opened on first use and kept. */
  readonly directory: CompanyDirectory;
  /** The run queue; null: a run executes in the request, as `connecteur run` does (`connecteur serve`, tests). */
  readonly queue: RunQueue | null;
  /**
   * Where the handlers' log lines go; unset: the Functions host (the invocation's context, then
   * Application Insights). `connecteur serve` writes them as every command does.
   */
  readonly log?: Sink;
  /**
   * Aborted when the process is asked to stop (`connecteur serve`, Ctrl+C): a run under way ends
   * between two batches, recorded interrupted (« arrêt demandé »). Unset: the Functions host.
   */
  readonly signal?: AbortSignal;
}

export function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': 'application/json; charset=utf-8' } };
}

const INTERNAL_MESSAGE = 'Erreur interne du connecteur : consultez les journaux.';

/** The status of the error's kind (HTTP_STATUS_OF_KIND); a body refused for its size is 413. */
export function httpStatusFor(e: ConnectorError): number {
  if (e.code === 'BODY_TOO_LARGE') return 413;
  return HTTP_STATUS_OF_KIND[errorKindOf(e)];
}

/** The French message of an answer: an internal error's details stay in the logs. */
export function answerMessage(e: ConnectorError): string {
  return httpStatusFor(e) === 500 ? INTERNAL_MESSAGE : e.message;
}

export function errorResponse(error: unknown): HttpResponseInit {
  const e = toConnectorError(error);
  const extra = e instanceof ConflictError ? { runningRunId: e.runningRunId } : e instanceof UpstreamError ? { system: e.system } : {};
  return json(httpStatusFor(e), { code: e.code, message: answerMessage(e), ...extra });
}

/** Logs go through the Functions host (and so to Application Insights), or to `own` when given; secrets redacted. */
export function contextLogger(context: InvocationContext, fields: Record<string, unknown> = {}, own?: Sink): Logger {
  if (own) return createLogger(own, fields);
  const sink: Sink = (level, message, f) => {
    const line = `${message} ${JSON.stringify(f)}`;
    if (level === 'error') context.error(line);
    else if (level === 'warn') context.warn(line);
    else context.info(line);
  };
  return createLogger(sink, { invocationId: context.invocationId, ...fields });
}

/** Query `?dryRun=true` or body `{"dryRun": true}`; the body is read and checked either way. */
export async function readDryRun(request: HttpRequest): Promise<boolean> {
  const body = await readJsonBody(request);
  if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') {
    throw new ConfigurationError('Champ dryRun invalide : booléen attendu.', { code: 'BAD_INPUT' });
  }
  const query = request.query.get('dryRun');
  if (query !== null) {
    if (!['true', 'false', '1', '0', ''].includes(query))
      throw new ConfigurationError(`Paramètre dryRun invalide : « ${query} » (true ou false attendu).`, { code: 'BAD_INPUT' });
    return query === 'true' || query === '1' || query === '';
  }
  return body.dryRun ?? false;
}

/** Request bodies are a few fields: anything larger is refused (413) before it is parsed. */
export const MAX_BODY_BYTES = 64 * 1024;

function tooLarge(): ConfigurationError {
  return new ConfigurationError(`Corps de requête trop volumineux (plus de ${MAX_BODY_BYTES / 1024} Kio).`, { code: 'BODY_TOO_LARGE' });
}

async function readLimitedText(request: HttpRequest): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Query `?allowMassDelete=true`: the operator confirms deletions recup-heures held. */
export function readAllowMassDelete(request: HttpRequest): boolean {
  const query = request.query.get('allowMassDelete');
  if (query === null) return false;
  if (!['true', 'false', '1', '0', ''].includes(query))
    throw new ConfigurationError(`Paramètre allowMassDelete invalide : « ${query} » (true ou false attendu).`, { code: 'BAD_INPUT' });
  return query === 'true' || query === '1' || query === '';
}

export async function readJsonBody(request: HttpRequest): Promise<Record<string, unknown>> {
  const text = await readLimitedText(request);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConfigurationError('Corps de requête JSON illisible.', { code: 'BAD_INPUT' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigurationError('Corps de requête : objet JSON attendu.', { code: 'BAD_INPUT' });
  }
  return body as Record<string, unknown>;
}
