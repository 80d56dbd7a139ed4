/**
 * The PostgreSQL staging adapter on its own: type parsing, pool settings, transactions, locks,
 * the error each failure becomes, and the re-read of the URL after refused credentials. A failure
 * the local server cannot produce on demand (a DNS error, a refused password, a dropped link) comes
 * from a stand-in pool that fails every call with the error given (mutation testing, issue #15).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type pg from 'pg';
import { ConfigurationError, UpstreamError } from '../../../src/lib/errors.js';
import { PostgresDb } from '../../../src/lib/staging/db.js';
import { until } from '../../support/wait.js';
import { useWorld } from '../../support/fixture.js';

const opened: PostgresDb[] = [];
const world = useWorld({ sandbox: false, migrate: false });
world.teardown(async () => {
  for (const db of opened) await db.close();
});
world.setup(() => world.db.exec('CREATE TABLE item (id int PRIMARY KEY)'));

/** A pool standing in for pg's: every query and connect fails with `error`; calls and ends are counted. */
class FailingPool {
  calls = 0;
  ended = 0;
  totalCount = 0;
  constructor(private readonly error: object) {}
  async query(): Promise<never> {
    this.calls++;
    throw this.error;
  }
  async connect(): Promise<never> {
    this.calls++;
    throw this.error;
  }
  async end() {
    this.ended++;
  }
}

const failure = (code: string | undefined, message = 'échec', extra: object = {}) =>
  Object.assign(new Error(message), code ? { code } : {}, extra);

/** A PostgresDb on `url` whose pool is replaced by one failing with `error` (no connection is made). */
async function failingDb(url: string, error: object, options: ConstructorParameters<typeof PostgresDb>[1] = {}) {
  const db = new PostgresDb(url, options);
  await db.pool.end();
  const pool = new FailingPool(error);
  db.pool = pool as unknown as pg.Pool;
  return { db, pool };
}

const URL_OF = 'postgresql://alice:secret@db.example.com:6543/stage%20one';

/** The error a query gives when the pool fails with `error`. */
async function errorOf(error: object, url = URL_OF): Promise<Error & { code?: string; retryable?: boolean; cause?: unknown }> {
  const { db } = await failingDb(url, error);
  try {
    await db.query('SELECT 1');
  } catch (e) {
    return e as Error & { code?: string; retryable?: boolean };
  }
  assert.fail('the query should have failed');
}

describe('values read from PostgreSQL', () => {
  test('dates and wall-clock timestamps stay text, numeric and bigint are numbers, the rest as pg reads them', async () => {
    const { rows } = await world.db.query<Record<string, unknown>>(
      `SELECT '2025-03-01'::date AS d, '2025-03-01 08:30:00'::timestamp AS ts, 12.5::numeric AS n, 9007199254740::int8 AS big,
              7::int4 AS i, true AS b, NULL::numeric AS nothing, '2025-03-01 08:30:00+00'::timestamptz AS tz`,
    );
    const row = rows[0]!;
    assert.deepEqual(
      { ...row, tz: undefined },
      { d: '2025-03-01', ts: '2025-03-01 08:30:00', n: 12.5, big: 9007199254740, i: 7, b: true, nothing: null, tz: undefined },
    );
    // A timestamptz is an instant: pg's own parser makes it a Date.
    assert.ok(row.tz instanceof Date);
    assert.equal((row.tz as Date).toISOString(), '2025-03-01T08:30:00.000Z');
  });
});

describe('the pool', () => {
  test('named after the connector, on the public search path, ten connections, bounded waits', async () => {
    const { rows } = await world.db.query<{ app: string; path: string }>(
      `SELECT current_setting('application_name') AS app, current_setting('search_path') AS path`,
    );
    assert.deepEqual(rows, [{ app: 'connecteur-sages', path: '"$user", public' }]);
    const db = new PostgresDb(world.t.url);
    opened.push(db);
    const options = (db.pool as unknown as { options: Record<string, unknown> }).options;
    assert.deepEqual(
      { max: options.max, connect: options.connectionTimeoutMillis, idle: options.idleTimeoutMillis },
      { max: 10, connect: 15_000, idle: 30_000 },
    );
  });

  test("a company's schema is its search path", async () => {
    const db = new PostgresDb(world.t.url, { schema: 'acme', max: 1 });
    opened.push(db);
    const { rows } = await db.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
    assert.deepEqual(rows, [{ path: 'acme' }]);
    assert.equal(db.schema, 'acme');
  });
});

describe('warm: the connections a run needs, opened together', () => {
  test('two connections, both idle; a lock and a query then open no third', async () => {
    const db = new PostgresDb(world.t.url);
    opened.push(db);
    await db.warm(2);
    assert.deepEqual([db.pool.totalCount, db.pool.idleCount], [2, 2]);
    const lock = await db.tryLock('connecteur:job:test');
    assert.ok(lock);
    await db.query('SELECT 1');
    await lock.release();
    assert.equal(db.pool.totalCount, 2);
  });

  test('never more than the pool allows, and nothing more when they are open', async () => {
    const one = new PostgresDb(world.t.url, { max: 1 });
    opened.push(one);
    await one.warm(2);
    assert.equal(one.pool.totalCount, 1);
    const two = new PostgresDb(world.t.url);
    opened.push(two);
    await two.warm(2);
    await two.warm(2);
    assert.equal(two.pool.totalCount, 2);
  });

  test('a server that cannot be reached fails it with the staging error', async () => {
    const { db, pool } = await failingDb(URL_OF, failure('ECONNREFUSED'));
    await assert.rejects(db.warm(2), (e: Error & { code?: string }) => e.code === 'STAGING_UNREACHABLE');
    assert.equal(pool.calls, 2);
  });

  test('when one of the two fails, the one that opened goes back to the pool', async () => {
    const db = new PostgresDb(URL_OF);
    await db.pool.end();
    let released = 0;
    let connects = 0;
    db.pool = {
      totalCount: 0,
      connect: async () => {
        if (connects++ === 0) return { release: () => released++ };
        throw failure('ECONNREFUSED');
      },
      end: async () => {},
    } as unknown as pg.Pool;
    await assert.rejects(db.warm(2), (e: Error & { code?: string }) => e.code === 'STAGING_UNREACHABLE');
    assert.equal(released, 1);
  });
});

describe('transactions', () => {
  test('committed when the function resolves, with its value; parameters reach the server', async () => {
    const value = await world.db.transaction(async (tx) => {
      await tx.query('INSERT INTO item VALUES ($1)', [1]);
      return (await tx.query<{ n: number }>('SELECT $1::int + 1 AS n', [41])).rows[0]!.n;
    });
    assert.equal(value, 42);
    assert.deepEqual((await world.db.query('SELECT id FROM item WHERE id = 1')).rows, [{ id: 1 }]);
  });

  test('rolled back when the function throws, the error passed on unchanged', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      world.db.transaction(async (tx) => {
        await tx.query('INSERT INTO item VALUES (2)');
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.deepEqual((await world.db.query('SELECT id FROM item WHERE id = 2')).rows, []);
  });

  test('the connection goes back to the pool after a commit and after a rollback', async () => {
    const db = new PostgresDb(world.t.url, { max: 1 });
    opened.push(db);
    await db.transaction((tx) => tx.query('SELECT 1'));
    await assert.rejects(db.transaction(async () => Promise.reject(new Error('x'))));
    assert.equal(db.pool.totalCount, 1);
    assert.equal(db.pool.idleCount, 1);
  });

  test('a server that cannot be reached fails the transaction with the staging error', async () => {
    const { db } = await failingDb(URL_OF, failure('ECONNREFUSED'));
    await assert.rejects(
      db.transaction((tx) => tx.query('SELECT 1')),
      (e: Error & { code?: string }) => e.code === 'STAGING_UNREACHABLE',
    );
  });
});

describe('locks', () => {
  test('a held lock is refused to another session until released, then granted again', async () => {
    const other = new PostgresDb(world.t.url, { max: 1 });
    opened.push(other);
    const held = await world.db.tryLock('job');
    assert.ok(held);
    assert.equal(await other.tryLock('job'), null);
    // Locks live on the lock session: the query pool opened nothing for them.
    assert.equal(other.pool.totalCount, 0);
    await held.release();
    const again = await other.tryLock('job');
    assert.ok(again);
    await again.release();
  });

  test('released twice: the second release does nothing', async () => {
    const db = new PostgresDb(world.t.url, { max: 1 });
    opened.push(db);
    const held = await db.tryLock('twice');
    assert.ok(held);
    await held.release();
    await held.release();
    assert.equal(db.pool.totalCount, 0);
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    assert.deepEqual(rows, [{ n: 0 }]);
  });

  test("a company's lock is its own: the same name in two schemas does not collide", async () => {
    const acme = new PostgresDb(world.t.url, { schema: 'acme', max: 2 });
    opened.push(acme);
    const plain = await world.db.tryLock('job');
    const company = await acme.tryLock('job');
    assert.ok(plain);
    assert.ok(company, 'acme:job is not job');
    assert.equal(await acme.tryLock('job'), null);
    await company.release();
    await plain.release();
  });

  test('a server that cannot be reached fails tryLock with the staging error', async () => {
    // The lock session connects on its own (port 1: refused at once), not through the pool.
    const { db } = await failingDb('postgresql://alice@127.0.0.1:1/stage', failure('ECONNREFUSED'));
    await assert.rejects(db.tryLock('job'), (e: Error & { code?: string }) => e.code === 'STAGING_UNREACHABLE');
  });
});

describe('the error a failure becomes', () => {
  test('an Azure server name that does not resolve: the DNS forwarding to check, with the name that failed', async () => {
    const e = await errorOf(failure('ENOTFOUND', 'getaddrinfo ENOTFOUND', { hostname: 'srv.private.postgres.database.azure.com' }));
    assert.ok(e instanceof UpstreamError);
    assert.equal(e.code, 'STAGING_UNREACHABLE');
    assert.equal(
      e.message,
      'Nom du serveur de staging introuvable (srv.private.postgres.database.azure.com) : si le VNet utilise ses propres serveurs DNS (dnsServers), ils doivent transférer vers le DNS Azure (168.63.129.16).',
    );
  });

  test('EAI_AGAIN on an Azure name written in capitals: the same advice', async () => {
    const e = await errorOf(failure('EAI_AGAIN', 'getaddrinfo EAI_AGAIN', { hostname: 'SRV.POSTGRES.DATABASE.AZURE.COM' }));
    assert.match(e.message, /^Nom du serveur de staging introuvable \(SRV\.POSTGRES\.DATABASE\.AZURE\.COM\)/);
  });

  test('an error without the name: the URL’s host is the one checked', async () => {
    const e = await errorOf(failure('ENOTFOUND'), 'postgresql://u@srv.postgres.database.azure.com/staging');
    assert.match(e.message, /^Nom du serveur de staging introuvable \(srv\.postgres\.database\.azure\.com\)/);
  });

  test('a name that only contains the Azure suffix is an ordinary unreachable server', async () => {
    const e = await errorOf(failure('ENOTFOUND', 'x', { hostname: 'srv.postgres.database.azure.com.example.org' }));
    assert.equal(e.code, 'STAGING_UNREACHABLE');
    assert.match(e.message, /^Base de staging PostgreSQL injoignable/);
  });

  test('a missing database: the createdb command to run, with host, port, user and database of the URL', async () => {
    const e = await errorOf(failure('3D000', 'database "stage one" does not exist'));
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.code, 'STAGING_DATABASE_MISSING');
    assert.equal(
      e.message,
      "La base « stage one » n'existe pas sur le serveur PostgreSQL db.example.com:6543 (STAGING_DATABASE_URL). " +
        'Créez-la (createdb -h db.example.com -p 6543 -U alice stage one), puis lancez « connecteur migrate ».',
    );
  });

  test('a URL without host, port, database or user: the defaults PostgreSQL uses', async () => {
    const e = await errorOf(failure('3D000'), 'postgresql:///');
    assert.equal(
      e.message,
      "La base « postgres » n'existe pas sur le serveur PostgreSQL localhost:5432 (STAGING_DATABASE_URL). " +
        'Créez-la (createdb -h localhost -p 5432 -U postgres postgres), puis lancez « connecteur migrate ».',
    );
  });

  test('a URL that does not parse: question marks, never the URL', async () => {
    const e = await errorOf(failure('P0001', 'boom'), 'not a url');
    assert.equal(e.message, 'Erreur de la base de staging (?:?/?) : boom');
  });

  for (const code of ['28P01', '28000']) {
    test(`refused credentials (${code}): the user and database named, not retryable`, async () => {
      const e = await errorOf(failure(code));
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.code, 'STAGING_LOGIN_FAILED');
      assert.equal(e.retryable, false);
      assert.equal(
        e.message,
        `Le serveur PostgreSQL db.example.com:6543 refuse l'utilisateur « alice » sur la base « stage one » (STAGING_DATABASE_URL, ${code}) : ` +
          'utilisateur inconnu, mot de passe refusé ou accès non autorisé par pg_hba.conf.',
      );
    });
  }

  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '08006', '57P01']) {
    test(`a server out of reach (${code}): unreachable, retryable`, async () => {
      const e = await errorOf(failure(code));
      assert.ok(e instanceof UpstreamError);
      assert.equal(e.code, 'STAGING_UNREACHABLE');
      assert.equal(e.retryable, true);
      assert.equal(
        e.message,
        `Base de staging PostgreSQL injoignable sur db.example.com:6543, base « stage one » (STAGING_DATABASE_URL, ${code}). ` +
          'Vérifiez que le serveur tourne et accepte les connexions à cette adresse.',
      );
    });
  }

  test('a server without TLS when sslmode asks for it: the TLS setting to check', async () => {
    const e = await errorOf(failure(undefined, 'The server does not support SSL connections'));
    assert.ok(e instanceof ConfigurationError);
    assert.equal(e.code, 'STAGING_TLS');
    assert.equal(
      e.message,
      "Le serveur PostgreSQL db.example.com:6543 n'accepte pas la connexion TLS demandée (STAGING_DATABASE_URL, sslmode) : The server does not support SSL connections",
    );
  });

  test('a TLS failure worded in lower case is still one', async () => {
    assert.equal((await errorOf(failure(undefined, 'self-signed certificate in ssl handshake'))).code, 'STAGING_TLS');
  });

  test('an SQL error that mentions SSL is an SQL error', async () => {
    assert.equal((await errorOf(failure('P0001', 'SSL is mentioned here'))).code, 'STAGING_ERROR');
  });

  test('any other error: the staging error with the server, database and message, not retryable, the cause kept', async () => {
    const cause = failure('P0001', 'boom');
    const e = await errorOf(cause);
    assert.ok(e instanceof UpstreamError);
    assert.equal(e.code, 'STAGING_ERROR');
    assert.equal(e.retryable, false);
    assert.equal(e.message, 'Erreur de la base de staging (db.example.com:6543/stage one) : boom');
    assert.equal(e.cause, cause);
  });
});

describe('the URL read again after refused credentials', () => {
  test('another error: the URL is not read again', async () => {
    let reads = 0;
    const { db, pool } = await failingDb(URL_OF, failure('P0001'), { refreshUrl: async () => (reads++, world.t.url) });
    await assert.rejects(db.query('SELECT 1'));
    await assert.rejects(db.query('SELECT 1'), (e: Error & { code?: string }) => e.code === 'STAGING_ERROR');
    assert.equal(reads, 0);
    assert.equal(pool.calls, 2);
  });

  test('an error without a code: the URL is not read again', async () => {
    let reads = 0;
    const { db } = await failingDb(URL_OF, failure(undefined, 'socket hang up'), { refreshUrl: async () => (reads++, world.t.url) });
    await assert.rejects(db.query('SELECT 1'));
    assert.equal(reads, 0);
  });

  test('no URL in the source any more: the refusal stands and the pool is kept', async () => {
    const { db, pool } = await failingDb(URL_OF, failure('28P01'), { refreshUrl: async () => undefined });
    await assert.rejects(db.query('SELECT 1'), (e: Error & { code?: string }) => e.code === 'STAGING_LOGIN_FAILED');
    assert.equal(db.pool, pool as unknown as pg.Pool);
    assert.equal(pool.ended, 0);
    assert.equal(pool.calls, 1, 'not tried again on the same pool');
  });

  test('a new URL: the old pool is closed and the query runs on the new one', async () => {
    const { db, pool } = await failingDb(URL_OF, failure('28P01'), { refreshUrl: async () => world.t.url });
    opened.push(db);
    assert.deepEqual((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }]);
    assert.equal(pool.ended, 1);
  });

  test('queries refused at once share one re-read', async () => {
    let reads = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { db, pool } = await failingDb(URL_OF, failure('28000'), {
      refreshUrl: async () => {
        reads++;
        await gate;
        return world.t.url;
      },
    });
    opened.push(db);
    const both = Promise.all([db.query('SELECT 1 AS n'), db.query('SELECT 2 AS n')]);
    // Both were refused (and wait on the re-read) before it answers.
    await until(async () => pool.calls === 2, 'two refused queries');
    open();
    const [a, b] = await both;
    assert.deepEqual([a.rows, b.rows], [[{ n: 1 }], [{ n: 2 }]]);
    assert.equal(reads, 1);
  });

  test('a password rotated twice: each refusal reads the URL again', async () => {
    const urls = [world.t.url, `${world.t.url}?application_name=rotated`];
    let reads = 0;
    const { db } = await failingDb(URL_OF, failure('28P01'), { refreshUrl: async () => urls[reads++] });
    opened.push(db);
    await db.query('SELECT 1');
    const renewed = db.pool;
    const second = new FailingPool(failure('28P01'));
    db.pool = second as unknown as pg.Pool;
    await renewed.end();
    const { rows } = await db.query<{ app: string }>(`SELECT current_setting('application_name') AS app`);
    assert.deepEqual(rows, [{ app: 'rotated' }]);
    assert.equal(reads, 2);
    assert.equal(second.ended, 1);
  });

  test('refused connect for a transaction: it runs on the re-read URL', async () => {
    const { db } = await failingDb(URL_OF, failure('28P01'), { refreshUrl: async () => world.t.url });
    opened.push(db);
    assert.equal(await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 3 AS n')).rows[0]!.n), 3);
  });
});
