/**
 * The HTTP layer on its own (`BatisimplyHttp`), against a local server whose every answer the test
 * chooses: the request it sends, the 401 renewal, how each failure is classified (code, status,
 * retryable, ambiguous, Retry-After) and worded, and the answers it refuses. Written from the
 * surviving mutants of batisimply/http.js; the sandbox tests cover the same code end to end.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { BatisimplyError, BatisimplyHttp } from '../../../src/lib/batisimply/http.js';
import { hostPort, snippet } from '../../../src/lib/batisimply/text.js';
import { registerSecret } from '../../../src/lib/log.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = (res: ServerResponse, seen: Seen) => void;

let server: Server;
let base: string;
const seen: Seen[] = [];
let answers: Answer[] = [];

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const raw =
  (status: number, body: string, headers: Record<string, string> = {}): Answer =>
  (res) => {
    res.writeHead(status, headers);
    res.end(body);
  };

before(async () => {
  server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      const answer = answers.shift() ?? json(200, { ok: true });
      answer(res, s);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  answers = [];
});

/** Tokens t1, t2… : a new one after each invalidation. */
class Tokens {
  issued = 1;
  invalidations = 0;
  async token() {
    return `t${this.issued}`;
  }
  invalidate() {
    this.invalidations++;
    this.issued++;
  }
}

const anything = z.unknown();
async function withHttp<T>(
  fn: (http: BatisimplyHttp, tokens: Tokens) => Promise<T>,
  settings: Partial<{ baseUrl: string; maxRetries: number; timeoutMs: number }> = {},
) {
  const tokens = new Tokens();
  const http = new BatisimplyHttp({ baseUrl: `${base}/api`, timeoutMs: 5_000, maxRetries: 0, ...settings }, tokens);
  try {
    return await fn(http, tokens);
  } finally {
    await http.close();
  }
}
async function failure(promise: Promise<unknown>): Promise<BatisimplyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof BatisimplyError, String(error));
    return error;
  }
  assert.fail('expected a failure');
}

describe('the request', () => {
  test('path joined under the base URL with or without slashes, query, bearer token, JSON body', async () => {
    answers.push(json(200, { a: 1 }), json(200, { b: 2 }));
    await withHttp(async (http) => {
      assert.deepEqual(await http.call('GET', '/project', anything, { query: { page: 2, size: 'x y' } }), { a: 1 });
      assert.deepEqual(await http.call('POST', 'project', anything, { body: { projectCode: 'P1' } }), { b: 2 });
    });
    assert.equal(seen[0]!.url, '/api/project?page=2&size=x+y');
    assert.equal(seen[0]!.headers.authorization, 'Bearer t1');
    assert.equal(seen[0]!.headers.accept, 'application/json');
    assert.equal(seen[0]!.headers['content-type'], undefined, 'no content type without a body');
    assert.equal(seen[0]!.body, '');
    assert.equal(seen[1]!.method, 'POST');
    assert.equal(seen[1]!.url, '/api/project');
    assert.equal(seen[1]!.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen[1]!.body), { projectCode: 'P1' });
    answers.push(json(200, {}), json(200, {}));
    await withHttp(
      async (http) => {
        await http.call('GET', 'x', anything);
        await http.call('GET', 'project/9/tasks', anything);
      },
      { baseUrl: `${base}/api/` },
    );
    assert.equal(seen[2]!.url, '/api/x');
    assert.equal(seen[3]!.url, '/api/project/9/tasks', 'only a leading slash is dropped');
  });

  test('a 401 renews the token once and sends again with the new one', async () => {
    answers.push(raw(401, 'expired'), json(200, { ok: 1 }));
    await withHttp(async (http, tokens) => {
      assert.deepEqual(await http.call('GET', 'p', anything), { ok: 1 });
      assert.equal(tokens.invalidations, 1);
      assert.equal(http.requests, 2);
    });
    assert.deepEqual(
      seen.map((s) => s.headers.authorization),
      ['Bearer t1', 'Bearer t2'],
    );
  });

  test('a second 401 is a failure, not a loop', async () => {
    answers.push(raw(401, 'expired'), raw(401, 'still refused'));
    const error = await withHttp((http) => failure(http.call('GET', 'p', anything)));
    assert.equal(error.status, 401);
    assert.equal(error.code, 'BATISIMPLY_HTTP_401');
    assert.equal(error.retryable, false);
    assert.equal(seen.length, 2);
  });
});

describe('failures', () => {
  test('404, 400 and 429: code, status, wording; only 429 is retryable', async () => {
    answers.push(raw(404, '  nothing\n\there  '), raw(400, ''), json(429, { e: 1 }, { 'retry-after': '7' }));
    await withHttp(async (http) => {
      const notFound = await failure(http.call('GET', 'project/9', anything));
      assert.equal(notFound.code, 'BATISIMPLY_NOT_FOUND');
      assert.equal(notFound.system, 'batisimply');
      assert.equal(notFound.status, 404);
      assert.equal(notFound.retryable, false);
      assert.equal(notFound.ambiguous, false);
      assert.equal(notFound.message, 'BatiSimply a répondu 404 à GET project/9 : nothing here');
      const bad = await failure(http.call('PUT', 'project/9', anything, { body: {} }));
      assert.equal(bad.code, 'BATISIMPLY_HTTP_400');
      assert.equal(bad.message, 'BatiSimply a répondu 400 à PUT project/9 : (vide)');
      assert.equal(bad.ambiguous, false, 'a 4xx after a write was refused, not applied');
      assert.equal(bad.retryAfterMs, undefined);
      const limited = await failure(http.call('POST', 'project', anything, { body: {} }));
      assert.equal(limited.code, 'BATISIMPLY_RATE_LIMITED');
      assert.equal(limited.retryable, true);
      assert.equal(limited.ambiguous, false);
      assert.equal(limited.retryAfterMs, 7_000);
    });
  });

  test('Retry-After: seconds, capped at a minute, an HTTP date, or nothing usable', async () => {
    const later = new Date(Date.now() + 30 * 60_000).toUTCString();
    const past = new Date(Date.now() - 60_000).toUTCString();
    answers.push(
      raw(503, '', { 'retry-after': '3600' }),
      raw(503, '', { 'retry-after': later }),
      raw(503, '', { 'retry-after': past }),
      raw(503, '', { 'retry-after': 'bientôt' }),
      raw(503, '', { 'retry-after': '0.5' }),
    );
    await withHttp(async (http) => {
      const waits = [];
      for (let i = 0; i < 5; i++) waits.push((await failure(http.call('GET', 'p', anything))).retryAfterMs);
      assert.deepEqual(waits, [60_000, 60_000, 0, undefined, 500]);
    });
  });

  test('a 5xx is ambiguous after a write, not after a read; only reads and PUTs are retried', async () => {
    answers.push(raw(500, 'boom'));
    await withHttp(
      async (http) => {
        const post = await failure(http.call('POST', 'project', anything, { body: {} }));
        assert.equal(post.code, 'BATISIMPLY_HTTP_500');
        assert.equal(post.ambiguous, true);
        assert.equal(post.retryable, true);
        assert.equal(seen.length, 1, 'an ambiguous POST is not sent again');
      },
      { maxRetries: 2 },
    );
    seen.length = 0;
    answers.push(raw(503, ''), json(200, { put: 1 }));
    await withHttp(
      async (http) => {
        assert.deepEqual(await http.call('PUT', 'project/1', anything, { body: {} }), { put: 1 });
        assert.equal(seen.length, 2, 'a PUT is idempotent: sent again');
      },
      { maxRetries: 1 },
    );
    seen.length = 0;
    answers.push(raw(502, ''));
    await withHttp(async (http) => {
      const get = await failure(http.call('GET', 'project', anything));
      assert.equal(get.ambiguous, false);
    });
  });

  test('a non-retryable failure is not sent again, whatever the retries left', async () => {
    answers.push(raw(400, 'bad'), json(200, {}));
    await withHttp((http) => failure(http.call('GET', 'p', anything)), { maxRetries: 3 });
    assert.equal(seen.length, 1);
  });

  test('connection refused: unreachable, retryable, not ambiguous even for a POST; names host and port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await withHttp((http) => failure(http.call('POST', 'project', anything, { body: {} })), {
      baseUrl: `http://127.0.0.1:${port}/api`,
    });
    assert.equal(error.code, 'BATISIMPLY_UNREACHABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.ambiguous, false);
    assert.equal(error.message, `BatiSimply injoignable sur 127.0.0.1:${port} (POST project, ECONNREFUSED).`);
  });

  test('a connection reset after a POST is ambiguous; after a renewed token the label says so', async () => {
    answers.push((res) => res.socket!.destroy());
    const reset = await withHttp((http) => failure(http.call('POST', 'project', anything, { body: {} })));
    assert.equal(reset.code, 'BATISIMPLY_UNREACHABLE');
    assert.equal(reset.ambiguous, true);
    assert.equal(reset.status, undefined);
    answers.push(raw(401, ''), (res) => res.socket!.destroy());
    const renewed = await withHttp((http) => failure(http.call('GET', 'p', anything)));
    assert.match(renewed.message, /\(GET p \(jeton renouvelé\), [A-Z_]+\)\.$/);
    assert.equal(renewed.ambiguous, false);
  });

  test('a body cut short is a network failure, ambiguous after a write', async () => {
    answers.push((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"a":');
      res.socket!.destroy();
    });
    const error = await withHttp((http) => failure(http.call('POST', 'project', anything, { body: {} })));
    assert.equal(error.code, 'BATISIMPLY_UNREACHABLE');
    assert.equal(error.ambiguous, true);
  });
});

describe('answers', () => {
  test('JSON is recognised by its content type, in any case and with a suffix', async () => {
    answers.push(
      raw(200, '{"x":1}', { 'content-type': 'Application/JSON; charset=utf-8' }),
      raw(200, '{"x":2}', { 'content-type': 'application/vnd.batisimply+json' }),
    );
    await withHttp(async (http) => {
      assert.deepEqual(await http.call('GET', 'a', anything), { x: 1 });
      assert.deepEqual(await http.call('GET', 'b', anything), { x: 2 });
    });
  });

  test('not JSON: refused with status, type (or « aucun ») and the first bytes, not retried', async () => {
    answers.push(raw(200, '{"x":1}', { 'content-type': 'text/jsonish' }), raw(200, ''));
    await withHttp(
      async (http) => {
        const typed = await failure(http.call('GET', 'a', anything));
        assert.equal(typed.code, 'BATISIMPLY_BAD_RESPONSE');
        assert.equal(typed.retryable, false);
        assert.equal(typed.ambiguous, false);
        assert.equal(typed.status, 200);
        assert.equal(typed.message, 'Réponse inattendue de BatiSimply à GET a : statut 200, type « text/jsonish », début : {"x":1}');
        const none = await failure(http.call('GET', 'b', anything));
        assert.equal(none.message, 'Réponse inattendue de BatiSimply à GET b : statut 200, type « aucun », début : (vide)');
      },
      { maxRetries: 2 },
    );
    assert.equal(seen.length, 2);
  });

  test('unreadable JSON: refused, with the parse error as cause', async () => {
    answers.push(raw(200, '{"x":', { 'content-type': 'application/json' }));
    const error = await withHttp((http) => failure(http.call('GET', 'a', anything)));
    assert.equal(error.code, 'BATISIMPLY_BAD_RESPONSE');
    assert.equal(error.retryable, false);
    assert.equal(error.message, 'JSON illisible reçu de BatiSimply à GET a : {"x":');
    assert.ok(error.cause instanceof SyntaxError);
  });

  test('the wrong shape: refused naming the path of the first issue, or the root', async () => {
    const schema = z.object({ page: z.object({ total: z.number() }) });
    answers.push(json(200, { page: { total: 'deux' } }), json(200, [1]));
    await withHttp(async (http) => {
      const nested = await failure(http.call('GET', 'a', schema));
      assert.equal(nested.code, 'BATISIMPLY_BAD_RESPONSE');
      assert.equal(nested.retryable, false);
      assert.ok(nested.cause instanceof z.ZodError);
      assert.match(
        nested.message,
        /^Réponse de BatiSimply à GET a d'une forme inattendue \(page\.total : [^)]+\) : statut 200, type « application\/json », début : \{"page":\{"total":"deux"\}\}$/,
      );
      const root = await failure(http.call('GET', 'b', schema));
      assert.match(root.message, /forme inattendue \(\(racine\) : /);
    });
  });

  test('the parsed value is what the schema returns', async () => {
    answers.push(json(200, { n: '4' }));
    const value = await withHttp((http) => http.call('GET', 'a', z.object({ n: z.coerce.number() })));
    assert.deepEqual(value, { n: 4 });
  });
});

test('a closed client sends nothing more', async () => {
  const http = new BatisimplyHttp({ baseUrl: `${base}/api`, timeoutMs: 5_000, maxRetries: 0 }, new Tokens());
  answers.push(json(200, { first: 1 }));
  assert.deepEqual(await http.call('GET', 'a', anything), { first: 1 });
  await http.close();
  const error = await failure(http.call('GET', 'b', anything));
  assert.equal(error.code, 'BATISIMPLY_UNREACHABLE');
  assert.equal(seen.length, 1);
});

describe('helpers', () => {
  test('hostPort: the default port of the scheme, or the text when it is no URL', () => {
    assert.equal(hostPort('https://api.batisimply.fr/v1'), 'api.batisimply.fr:443');
    assert.equal(hostPort('http://api.batisimply.fr'), 'api.batisimply.fr:80');
    assert.equal(hostPort('http://h:8080/x'), 'h:8080');
    assert.equal(hostPort('pas une url'), 'pas une url');
  });

  test('snippet: whitespace folded, secrets masked before the cut at 200 characters', () => {
    registerSecret('snippet-secret-81c2');
    assert.equal(snippet('  a \n\t b  '), 'a b');
    assert.equal(snippet('x'.repeat(200)), 'x'.repeat(200));
    assert.equal(snippet(`${'y'.repeat(201)}`), `${'y'.repeat(200)}…`);
    assert.equal(snippet(`${'z'.repeat(195)}snippet-secret-81c2`), `${'z'.repeat(195)}***`);
  });
});
