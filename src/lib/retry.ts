/**
 * Which failures are worth retrying, in one place: HTTP statuses, network error codes, PostgreSQL
 * SQLSTATEs and SQL Server error numbers. Adapters look errors up here instead of scattering `if`s.
 */

/** 408 timeout, 425 too early, 429 rate limited, and the gateway/server errors seen under load. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/** Node/undici network errors after which the call may succeed if tried again. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  'ABORT_ERR',
]);

/**
 * Network errors proving a request never reached the server, so even a write can be sent again.
 * Anything else after a write (reset, timeout, 5xx) is ambiguous: the write may have been applied.
 */
export const NOT_SENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** PostgreSQL: connection failures, serialization failure, deadlock, server shutting down. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['08000', '08003', '08006', '08001', '40001', '40P01', '57P01', '57P03']);

/** SQL Server: deadlock victim (1205), lock timeout (1222), Azure SQL transient errors. */
export const RETRYABLE_SQLSERVER_NUMBERS: ReadonlySet<number> = new Set([1205, 1222, 4060, 40197, 40501, 40613, 49918, 49919, 49920]);

/** Exponential backoff with full jitter: 200 ms, 400 ms, 800 ms … capped, times a random factor. */
export const BACKOFF = { minTimeout: 200, maxTimeout: 10_000, factor: 2, randomize: true } as const;

export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (RETRYABLE_NETWORK_CODES.has(code) || code.startsWith('UND_ERR') || code.startsWith('E'))) {
      return code;
    }
    if ((current as Error).name === 'TimeoutError' || (current as Error).name === 'AbortError') return 'ETIMEDOUT';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
