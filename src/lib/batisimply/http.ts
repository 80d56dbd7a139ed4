/**
 * HTTP to BatiSimply with undici: bearer token, timeouts on every call, keep-alive, retries with
 * exponential backoff and jitter honouring Retry-After, and answers checked before they are parsed
 * (a proxy was seen answering an HTML page with status 200).
 */
import pRetry from 'p-retry';
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Code } from '../domain/codes.js';
import { ConfigurationError, UpstreamError } from '../errors.js';
import { BACKOFF, NOT_SENT_NETWORK_CODES, networkCode, RETRYABLE_HTTP_STATUSES } from '../retry.js';
import type { TokenProvider } from './auth.js';
import { hostPort, snippet } from './text.js';

export class BatisimplyError extends UpstreamError {
  constructor(
    message: string,
    options: {
      code: Code;
      retryable: boolean;
      cause?: unknown;
      status?: number;
      retryAfterMs?: number;
      /** A write that may have been applied although no success was received. */
      ambiguous?: boolean;
    },
  ) {
    super('batisimply', message, options);
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.ambiguous = options.ambiguous ?? false;
  }
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly ambiguous: boolean;
}

export interface HttpSettings {
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
}

export interface CallOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /**
   * A list that every account has: a 404 there says BATISIMPLY_API_URL leads elsewhere (a
   * configuration error), where a 404 on one project says that project is gone.
   */
  knownList?: boolean;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 60_000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - Date.now(), 0), 60_000);
}

// Required when the first client is built: a job importing BatisimplyError to classify errors, with nothing to send, never loads undici.
let undici: typeof import('undici') | undefined;
const loadUndici = () => (undici ??= createRequire(import.meta.url)('undici') as typeof import('undici'));

export class BatisimplyHttp {
  readonly dispatcher: Dispatcher;
  /** Requests sent, retries included: the benchmark and tests read it. */
  requests = 0;

  constructor(
    private readonly settings: HttpSettings,
    private readonly tokens: TokenProvider,
    dispatcher?: Dispatcher,
  ) {
    this.dispatcher =
      dispatcher ??
      new (loadUndici().Agent)({
        keepAliveTimeout: 30_000,
        connections: 32,
        connect: { timeout: Math.min(settings.timeoutMs, 15_000) },
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      });
  }

  /**
   * Calls the API and validates the JSON answer. GET and PUT are retried on any retryable failure;
   * a POST only when it surely was not applied (429, connection refused): other failures are
   * thrown with `ambiguous` set so that the caller checks before writing again.
   */
  async call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: S,
    options: CallOptions = {},
  ): Promise<z.output<S>> {
    const label = `${method} ${path}`;
    return pRetry(() => this.once(method, path, schema, options, label), {
      retries: this.settings.maxRetries,
      ...BACKOFF,
      shouldRetry: ({ error }) => {
        if (!(error instanceof BatisimplyError) || !error.retryable) return false;
        return method !== 'POST' || !error.ambiguous;
      },
      onFailedAttempt: async ({ error, retriesLeft }) => {
        // Retry-After is the server's own word on when to come back: wait it out before the backoff.
        if (retriesLeft > 0 && error instanceof BatisimplyError && error.retryAfterMs) {
          await new Promise((r) => setTimeout(r, error.retryAfterMs));
        }
      },
    });
  }

  private async once<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: CallOptions,
    label: string,
  ): Promise<z.output<S>> {
    let response = await this.send(method, path, options, label, false);
    if (response.statusCode === 401) {
      // The token expired early or was revoked: renew it once.
      await response.body.dump();
      this.tokens.invalidate();
      response = await this.send(method, path, options, label, true);
    }
    const text = await response.body.text().catch((error: unknown) => {
      throw this.networkFailure(error, method, label);
    });
    const contentType = String(response.headers['content-type'] ?? '');
    const status = response.statusCode;
    if (status === 404 && options.knownList) {
      throw new ConfigurationError(
        `BatiSimply répond 404 à ${label} : BATISIMPLY_API_URL (${this.settings.baseUrl}) ne mène pas à l'API BatiSimply. ` +
          `Corrigez ce réglage (https://api.batisimply.fr en production, sans /api à la fin).`,
        { code: 'BATISIMPLY_API_URL_INVALID' },
      );
    }
    if (status >= 400) {
      const retryable = RETRYABLE_HTTP_STATUSES.has(status);
      throw new BatisimplyError(`BatiSimply a répondu ${status} à ${label} : ${snippet(text) || '(vide)'}`, {
        code: status === 404 ? 'BATISIMPLY_NOT_FOUND' : status === 429 ? 'BATISIMPLY_RATE_LIMITED' : (`BATISIMPLY_HTTP_${status}` as const),
        status,
        retryable,
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
        // A 429 is refused before any processing; a 5xx after a write may hide an applied write.
        ambiguous: method !== 'GET' && status >= 500,
      });
    }
    if (!/\bjson\b/i.test(contentType)) {
      throw new BatisimplyError(
        `Réponse inattendue de BatiSimply à ${label} : statut ${status}, type « ${contentType || 'aucun'} », début : ${snippet(text) || '(vide)'}`,
        { code: 'BATISIMPLY_BAD_RESPONSE', status, retryable: false },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new BatisimplyError(`JSON illisible reçu de BatiSimply à ${label} : ${snippet(text)}`, {
        code: 'BATISIMPLY_BAD_RESPONSE',
        status,
        retryable: false,
        cause: error,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join('.') || '(racine)';
      throw new BatisimplyError(
        `Réponse de BatiSimply à ${label} d'une forme inattendue (${where} : ${issue?.message}) : statut ${status}, type « ${contentType} », début : ${snippet(text)}`,
        { code: 'BATISIMPLY_BAD_RESPONSE', status, retryable: false, cause: parsed.error },
      );
    }
    return parsed.data;
  }

  private async send(method: string, path: string, options: CallOptions, label: string, renewed: boolean) {
    const token = await this.tokens.token();
    const url = new URL(path.replace(/^\//, ''), this.settings.baseUrl.endsWith('/') ? this.settings.baseUrl : `${this.settings.baseUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
    this.requests++;
    try {
      return await loadUndici().request(url, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: this.dispatcher,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      throw this.networkFailure(error, method, renewed ? `${label} (jeton renouvelé)` : label);
    }
  }

  private networkFailure(error: unknown, method: string, label: string): BatisimplyError {
    const code = networkCode(error) ?? 'UNKNOWN';
    return new BatisimplyError(`BatiSimply injoignable sur ${hostPort(this.settings.baseUrl)} (${label}, ${code}).`, {
      code: 'BATISIMPLY_UNREACHABLE',
      retryable: true,
      ambiguous: method !== 'GET' && !NOT_SENT_NETWORK_CODES.has(code),
      cause: error,
    });
  }

  async close() {
    await this.dispatcher.close();
  }
}
