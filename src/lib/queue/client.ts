/**
 * The run queue: one Azure Storage queue on the Functions host's own storage account. Messages
 * are sent here; the host's queue trigger (src/functions/queue.ts) receives them. The SDK loads
 * on first use, so commands that never enqueue do not pay for it.
 */
import * as z from 'zod';
import { parseSection, queueSchema, type Env } from '../config.js';
import { ConfigurationError, UpstreamError } from '../errors.js';
import { registerSecret } from '../log.js';
import { JOB_NAMES, type JobName } from '../sync/registry.js';

/** The queue the host listens to, and the one it moves a message to after its last delivery. */
export const RUNS_QUEUE = 'connecteur-runs';
export const RUNS_POISON_QUEUE = `${RUNS_QUEUE}-poison`;
/** Same value as host.json `extensions.queues.maxDequeueCount` (a test keeps them equal). */
export const MAX_DEQUEUE_COUNT = 5;

export const runMessageSchema = z.object({
  runId: z.uuid(),
  job: z.enum(JOB_NAMES as [JobName, ...JobName[]]),
  company: z.string().min(1),
  /** recup-heures: the operator confirmed the deletions held by the mass-deletion guard. */
  allowMassDelete: z.boolean().optional(),
});

export type RunMessage = z.output<typeof runMessageSchema>;

export interface RunQueue {
  send(message: RunMessage): Promise<void>;
}

type QueueClient = import('@azure/storage-queue').QueueClient;

/** Where the queue is, from the host's storage settings; null when none is configured (in-process runs). */
export function queueTarget(env: Env): { connectionString: string } | { url: string; clientId?: string } | null {
  const s = parseSection(queueSchema, env, 'file d’attente');
  if (s.AzureWebJobsStorage) {
    registerSecret(/AccountKey=([^;]+)/.exec(s.AzureWebJobsStorage)?.[1]);
    return { connectionString: s.AzureWebJobsStorage };
  }
  const serviceUri =
    s.AzureWebJobsStorage__queueServiceUri ??
    (s.AzureWebJobsStorage__accountName ? `https://${s.AzureWebJobsStorage__accountName}.queue.core.windows.net` : undefined);
  if (!serviceUri) return null;
  return { url: `${serviceUri.replace(/\/$/, '')}/${RUNS_QUEUE}`, clientId: s.AzureWebJobsStorage__clientId };
}

/** One message taken from the queue: hidden from other consumers until deleted or released. */
export interface ReceivedRun {
  body: unknown;
  dequeueCount: number;
  /** Done with it (ran, or given up on): removed from the queue. */
  delete(): Promise<void>;
  /** Not done: visible again after `seconds`, for another delivery. */
  release(seconds: number): Promise<void>;
}

/**
 * Azurite checks the API version of each request and refuses the newer ones of the SDK unless it
 * was started with --skipApiVersionCheck: that refusal is no outage, it says how Azurite was started.
 */
function queueError(error: unknown): UpstreamError {
  const detail = (error as Error).message;
  if (/API version .* not supported by Azurite/i.test(detail)) {
    return new UpstreamError(
      'queue',
      'Azurite refuse la version d’API de la file d’attente : relancez-le avec « npx azurite-queue --skipApiVersionCheck --disableTelemetry ».',
      { code: 'QUEUE_API_VERSION', retryable: false, cause: error },
    );
  }
  return new UpstreamError('queue', `File d’attente des exécutions injoignable : ${detail}`, { code: 'QUEUE_UNREACHABLE', cause: error });
}

/** As the host hands a message over: base64 decoded (host.json `messageEncoding`), JSON parsed; else the text. */
function decodeMessage(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch {
    return text;
  }
}

export class StorageRunQueue implements RunQueue {
  private client: Promise<QueueClient> | undefined;

  constructor(private readonly target: NonNullable<ReturnType<typeof queueTarget>>) {}

  /**
   * Up to one message, for a consumer outside the Functions host (`connecteur serve`): hidden for
   * `visibilitySeconds` while it runs, as the host's trigger does.
   */
  async receive(visibilitySeconds: number): Promise<ReceivedRun | null> {
    try {
      const client = await this.open();
      const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: visibilitySeconds });
      const item = receivedMessageItems[0];
      if (!item) return null;
      let popReceipt = item.popReceipt;
      return {
        body: decodeMessage(item.messageText),
        dequeueCount: item.dequeueCount,
        delete: async () => void (await client.deleteMessage(item.messageId, popReceipt)),
        release: async (seconds) => {
          popReceipt = (await client.updateMessage(item.messageId, popReceipt, undefined, seconds)).popReceipt ?? popReceipt;
        },
      };
    } catch (error) {
      throw queueError(error);
    }
  }

  private open(): Promise<QueueClient> {
    this.client ??= (async () => {
      const { QueueClient } = await import('@azure/storage-queue');
      let client: QueueClient;
      if ('connectionString' in this.target) {
        client = new QueueClient(this.target.connectionString, RUNS_QUEUE);
      } else {
        const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
        const credential = this.target.clientId
          ? new ManagedIdentityCredential({ clientId: this.target.clientId })
          : new DefaultAzureCredential();
        client = new QueueClient(this.target.url, credential);
      }
      // The host creates it when it starts listening; a CLI may enqueue before that.
      await client.createIfNotExists();
      return client;
    })();
    this.client.catch(() => (this.client = undefined));
    return this.client;
  }

  async send(message: RunMessage): Promise<void> {
    try {
      const client = await this.open();
      // The host decodes base64 by default (host.json `messageEncoding`), and hands the JSON over parsed.
      await client.sendMessage(Buffer.from(JSON.stringify(message), 'utf8').toString('base64'));
    } catch (error) {
      throw queueError(error);
    }
  }
}

/** The configured queue, or null when runs stay in-process. */
export function runQueueFrom(env: Env): StorageRunQueue | null {
  const target = queueTarget(env);
  return target ? new StorageRunQueue(target) : null;
}

/** The queue is required (`connecteur run --queue`). */
export function requireRunQueue(env: Env): RunQueue {
  const queue = runQueueFrom(env);
  if (!queue) {
    throw new ConfigurationError(
      'Aucune file d’attente configurée : AzureWebJobsStorage (chaîne de connexion) ou AzureWebJobsStorage__accountName manquant.',
      { code: 'CONFIG_INVALID' },
    );
  }
  return queue;
}
