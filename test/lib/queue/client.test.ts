/**
 * The run queue's client: where the queue is from the host's storage settings, and a message sent,
 * received, released and deleted on Azurite (the Storage emulator), in process.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QueueClient } from '@azure/storage-queue';
import { ConfigurationError, UpstreamError } from '../../../src/lib/errors.js';
import { redact } from '../../../src/lib/log.js';
import {
  MAX_DEQUEUE_COUNT,
  queueTarget,
  requireRunQueue,
  RUNS_POISON_QUEUE,
  RUNS_QUEUE,
  runMessageSchema,
  runQueueFrom,
  StorageRunQueue,
} from '../../../src/lib/queue/client.js';
import { startAzurite, type Azurite } from '../../queue/azurite.js';

describe('run queue: where it is', () => {
  test('the queue names and the delivery limit', () => {
    assert.equal(RUNS_QUEUE, 'connecteur-runs');
    assert.equal(RUNS_POISON_QUEUE, 'connecteur-runs-poison');
    assert.equal(MAX_DEQUEUE_COUNT, 5);
  });

  test('a connection string is used as given, and its account key is masked in logs', () => {
    const key = 'c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seQ==';
    const connectionString = `DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=${key};EndpointSuffix=core.windows.net`;
    assert.deepEqual(queueTarget({ AzureWebJobsStorage: connectionString }), { connectionString });
    assert.equal(redact(`clé ${key}`), 'clé ***');
    // The connection string wins over the identity-based settings.
    assert.deepEqual(queueTarget({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureWebJobsStorage__accountName: 'acme' }), {
      connectionString: 'UseDevelopmentStorage=true',
    });
  });

  test('an account name gives the account’s queue endpoint, with the managed identity’s client id if any', () => {
    assert.deepEqual(queueTarget({ AzureWebJobsStorage__accountName: 'stacme01' }), {
      url: 'https://stacme01.queue.core.windows.net/connecteur-runs',
      clientId: undefined,
    });
    assert.deepEqual(queueTarget({ AzureWebJobsStorage__accountName: 'stacme01', AzureWebJobsStorage__clientId: 'cid' }), {
      url: 'https://stacme01.queue.core.windows.net/connecteur-runs',
      clientId: 'cid',
    });
  });

  test('a queue service URI wins over the account name, its trailing slash dropped', () => {
    assert.deepEqual(
      queueTarget({ AzureWebJobsStorage__queueServiceUri: 'https://q.example.net/', AzureWebJobsStorage__accountName: 'stacme01' }),
      { url: 'https://q.example.net/connecteur-runs', clientId: undefined },
    );
    assert.deepEqual(queueTarget({ AzureWebJobsStorage__queueServiceUri: 'https://q.example.net/acct' }), {
      url: 'https://q.example.net/acct/connecteur-runs',
      clientId: undefined,
    });
  });

  test('no storage setting: runs stay in process, and a run asked on the queue is refused in French', () => {
    assert.equal(queueTarget({}), null);
    assert.equal(runQueueFrom({}), null);
    assert.ok(runQueueFrom({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }) instanceof StorageRunQueue);
    assert.throws(
      () => requireRunQueue({}),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        e.code === 'CONFIG_INVALID' &&
        e.message ===
          'Aucune file d’attente configurée : AzureWebJobsStorage (chaîne de connexion) ou AzureWebJobsStorage__accountName manquant.',
    );
    assert.ok(requireRunQueue({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }) instanceof StorageRunQueue);
  });

  test('a malformed account name is a settings error', () => {
    assert.throws(
      () => queueTarget({ AzureWebJobsStorage__accountName: 'Pas_Un_Compte' }),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        e.message ===
          'Configuration file d’attente invalide : AzureWebJobsStorage__accountName invalide (nom de compte de stockage attendu)',
    );
  });

  test('a run message: a run id, a known job, a company, and the mass-deletion confirmation if any', () => {
    const ok = { runId: '6f1e8c1a-2b3c-4d5e-9a63-0d5e7b5c3f9e', job: 'chantiers', company: 'default' };
    assert.deepEqual(runMessageSchema.parse(ok), ok);
    assert.deepEqual(runMessageSchema.parse({ ...ok, job: 'recup-heures', allowMassDelete: true }), {
      ...ok,
      job: 'recup-heures',
      allowMassDelete: true,
    });
    for (const bad of [{ ...ok, runId: 'x' }, { ...ok, job: 'inconnu' }, { ...ok, company: '' }, { ...ok, allowMassDelete: 'oui' }, {}])
      assert.equal(runMessageSchema.safeParse(bad).success, false, JSON.stringify(bad));
  });
});

describe('run queue on Azurite', () => {
  let azurite: Azurite;
  let strict: Azurite;
  let raw: QueueClient;
  before(async () => {
    [azurite, strict] = await Promise.all([startAzurite(), startAzurite({ strict: true })]);
    raw = new QueueClient(azurite.connectionString, RUNS_QUEUE);
  });
  after(async () => {
    await Promise.all([azurite?.stop(), strict?.stop()]);
  });

  test('sent, received (hidden meanwhile), released for another delivery, then deleted', async () => {
    const queue = new StorageRunQueue({ connectionString: azurite.connectionString });
    const message = { runId: '6f1e8c1a-2b3c-4d5e-9a63-0d5e7b5c3f9e', job: 'chantiers' as const, company: 'default' };
    // The queue is created on first use.
    await queue.send(message);
    // The host reads base64 (host.json messageEncoding).
    const peeked = await raw.peekMessages();
    assert.deepEqual(JSON.parse(Buffer.from(peeked.peekedMessageItems[0]!.messageText, 'base64').toString('utf8')), message);

    const first = await queue.receive(60);
    assert.ok(first);
    assert.deepEqual(first.body, message);
    assert.equal(first.dequeueCount, 1);
    assert.equal(await queue.receive(60), null, 'hidden while it runs');

    await first.release(0);
    const second = await queue.receive(60);
    assert.ok(second);
    assert.equal(second.dequeueCount, 2);
    // Released once more, then deleted with the receipt the release gave.
    await second.release(0);
    await second.release(0);
    await second.delete();
    assert.equal((await raw.peekMessages()).peekedMessageItems.length, 0);
  });

  test('a message that is not base64 JSON is handed over as its text', async () => {
    await raw.createIfNotExists();
    await raw.clearMessages();
    await raw.sendMessage('pas du json');
    const queue = new StorageRunQueue({ connectionString: azurite.connectionString });
    const m = await queue.receive(60);
    assert.equal(m?.body, 'pas du json');
    await m!.delete();
  });

  test('an Azurite started without --skipApiVersionCheck is named as such, not as an outage', async () => {
    const queue = new StorageRunQueue({ connectionString: strict.connectionString });
    for (const attempt of [
      () => queue.send({ runId: '6f1e8c1a-2b3c-4d5e-9a63-0d5e7b5c3f9e', job: 'chantiers', company: 'default' }),
      () => queue.receive(1),
    ]) {
      await assert.rejects(attempt, (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.code, 'QUEUE_API_VERSION');
        assert.equal(e.system, 'queue');
        assert.equal(e.retryable, false);
        assert.match(e.message, /relancez-le avec « npx azurite-queue --skipApiVersionCheck --disableTelemetry »/);
        return true;
      });
    }
  });

  test('a queue that cannot be opened is an upstream error that says so', async () => {
    // A connection string the SDK refuses fails at once (an unreachable host is retried by the SDK for ~20 s).
    const queue = new StorageRunQueue({ connectionString: 'AccountName=acme' });
    await assert.rejects(
      () => queue.send({ runId: '6f1e8c1a-2b3c-4d5e-9a63-0d5e7b5c3f9e', job: 'chantiers', company: 'default' }),
      (e: unknown) => {
        assert.ok(e instanceof UpstreamError);
        assert.equal(e.code, 'QUEUE_UNREACHABLE');
        assert.equal(e.system, 'queue');
        assert.match(e.message, /^File d’attente des exécutions injoignable : /);
        return true;
      },
    );
  });
});
