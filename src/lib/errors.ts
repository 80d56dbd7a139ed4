/**
 * The connector's few error classes. Each carries a stable `code` (shown to operators and stored
 * in the run history), a French `message` (what the operator reads) and the original `cause`.
 * `unknown` is turned into one of these once, at the boundary, by `toConnectorError`.
 */

import type { Code } from './domain/codes.js';
import type { ErrorKind } from './domain/runs.js';
import { redact } from './log.js';

export type OutsideSystem = 'batigest' | 'staging' | 'batisimply' | 'keyvault' | 'geocoder' | 'queue';

export abstract class ConnectorError extends Error {
  /** One of the list of domain/codes.ts, which the operators' guide explains. */
  abstract readonly code: Code;
  /** Worth trying again later without anyone changing anything. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A missing or malformed setting, or bad input from an operator: fix and retry. */
export class ConfigurationError extends ConnectorError {
  readonly code: Code;
  constructor(message: string, options?: { code?: Code; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? 'CONFIG_INVALID';
  }
}

/** An outside system could not be reached or answered something unusable. */
/** The code of an outside system that could not be reached, when the adapter names none more precise. */
const UNREACHABLE: Readonly<Record<OutsideSystem, Code>> = {
  batigest: 'BATIGEST_UNREACHABLE',
  staging: 'STAGING_UNREACHABLE',
  batisimply: 'BATISIMPLY_UNREACHABLE',
  keyvault: 'KEYVAULT_READ_FAILED',
  geocoder: 'GEOCODER_UNREACHABLE',
  queue: 'QUEUE_UNREACHABLE',
};

export class UpstreamError extends ConnectorError {
  readonly code: Code;
  override readonly retryable: boolean;
  readonly system: OutsideSystem;
  constructor(system: OutsideSystem, message: string, options?: { code?: Code; retryable?: boolean; cause?: unknown }) {
    super(message, options);
    this.system = system;
    this.code = options?.code ?? UNREACHABLE[system];
    this.retryable = options?.retryable ?? true;
  }
}

/** The same job is already running (one run per job at a time). */
export class ConflictError extends ConnectorError {
  readonly code = 'JOB_RUNNING';
  constructor(
    message: string,
    readonly runningRunId: string | null,
  ) {
    super(message);
  }
}

/** One record could not be processed; the batch goes on and the record is reported. */
export class RecordError extends ConnectorError {
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The boundary where `unknown` becomes a ConnectorError, and where its message is masked of secrets. */
export function toConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) {
    const masked = redact(error.message);
    if (masked !== error.message) error.message = masked;
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(redact(`Erreur interne : ${message}`), { cause: error });
}

/** The process was asked to stop (service stop, Ctrl-C): the step ends between two batches. */
export class StopRequestedError extends ConnectorError {
  readonly code = 'STOP_REQUESTED';
  constructor() {
    super('Arrêt demandé : le job s’arrête entre deux lots.');
  }
}

export class InternalError extends ConnectorError {
  readonly code = 'INTERNAL';
}

/** The kind of what stopped a run, as the run history stores it. */
export function errorKindOf(e: ConnectorError): ErrorKind {
  if (e instanceof ConfigurationError) return 'configuration';
  if (e instanceof UpstreamError) return 'upstream';
  if (e instanceof ConflictError) return 'conflict';
  return 'internal';
}

/** What an operator reads of an error: its French message, or the whole chain for an unexpected one. */
export function operatorMessage(error: unknown): string {
  const e = toConnectorError(error);
  return e.code === 'INTERNAL' ? describeError(error) : e.message;
}

/** The message of an error and of its causes, masked of secrets (an upstream may have echoed one). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return redact(parts.join(' ← '));
}
