/**
 * `connecteur serve`: the HTTP routes of `src/functions/` on localhost, without the Functions host.
 * Each request becomes the `HttpRequest` the host would build and goes to the very handler the
 * host calls; a route's key is a token made at start (the dashboard passes it on as `code`).
 * The tests that need the routes over HTTP mount them here too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, { type HttpFunctionOptions, type HttpResponseInit } from '@azure/functions';
import type { Sink } from '../lib/log.js';

const { HttpRequest, InvocationContext } = functions;

export interface LocalServer {
  url: string;
  token: string;
  /**
   * Stops taking requests (a new one is answered 503 STOPPING), waits until every request under
   * way has its answer, then closes the connections.
   */
  close(): Promise<void>;
}

interface Route {
  name: string;
  options: HttpFunctionOptions;
  pattern: RegExp;
  params: string[];
}

const LEVELS = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: 'debug',
} as const;

/** The context the host would give the handler; its log lines go where the command's go. */
function invocation(functionName: string, log: Sink | undefined) {
  if (!log) return new InvocationContext({ functionName });
  return new InvocationContext({
    functionName,
    logHandler: (level, ...args) => log(LEVELS[level] ?? 'info', args.map(String).join(' '), { functionName }),
  });
}

/** `runs/{runId}` → a pattern and its parameter names, as the host routes them. */
function compile(name: string, options: HttpFunctionOptions): Route {
  const params: string[] = [];
  const source = (options.route ?? name)
    .split('/')
    .map((part) => {
      const m = /^\{([^}:?]+)(?::[^}]*)?\??\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { name, options, pattern: new RegExp(`^/api/${source}$`), params };
}

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `httpFunctions`: the HTTP functions by name, as the host registers them (`createHandlers(…).httpFunctions`). */
export async function startLocalServer(options: {
  httpFunctions: Record<string, HttpFunctionOptions>;
  port: number;
  host?: string;
  token?: string;
  /** Where what a handler logs through its invocation's context goes; unset: the library's console lines. */
  log?: Sink;
}): Promise<LocalServer> {
  const token = options.token ?? randomBytes(18).toString('base64url');
  const routes = Object.entries(options.httpFunctions).map(([name, f]) => compile(name, f));
  let stopping = false;
  const underWay = new Set<Promise<void>>();
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    if (stopping) {
      return send(503, { code: 'STOPPING', message: 'Le connecteur s’arrête (arrêt demandé) : il ne prend plus de travail.' });
    }
    if (url.pathname === '/' || url.pathname === '/api' || url.pathname === '/api/') {
      return void res.writeHead(302, { location: `/api/dashboard?code=${encodeURIComponent(url.searchParams.get('code') ?? '')}` }).end();
    }
    const found = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).find((x) => x.m);
    if (!found) return send(404, { code: 'NOT_FOUND', message: `Route inconnue : ${url.pathname}` });
    const key = url.searchParams.get('code') ?? (req.headers['x-functions-key'] as string | undefined) ?? null;
    if (!sameToken(key, token)) {
      return send(401, {
        code: 'UNAUTHORIZED',
        message: 'Jeton manquant ou invalide : ajoutez ?code=<jeton affiché au démarrage de « connecteur serve »>.',
      });
    }
    if (!found.r.options.methods?.includes(req.method as 'GET'))
      return send(405, { code: 'METHOD_NOT_ALLOWED', message: `Méthode ${req.method} non acceptée.` });
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const params = Object.fromEntries(found.r.params.map((p, i) => [p, decodeURIComponent(found.m![i + 1]!)]));
      const request = new HttpRequest({
        method: req.method!,
        url: url.toString(),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
        params,
        body: chunks.length ? { string: Buffer.concat(chunks).toString('utf8') } : undefined,
      });
      const answer = (await found.r.options.handler(request, invocation(found.r.name, options.log))) as HttpResponseInit;
      const headers = Object.fromEntries(new Headers(answer.headers as ConstructorParameters<typeof Headers>[0]).entries());
      const body = answer.jsonBody !== undefined ? JSON.stringify(answer.jsonBody) : answer.body === undefined ? '' : String(answer.body);
      if (answer.jsonBody !== undefined && !headers['content-type']) headers['content-type'] = 'application/json; charset=utf-8';
      res.writeHead(answer.status ?? 200, headers).end(body);
    } catch (error) {
      send(500, { code: 'INTERNAL', message: `Erreur interne : ${(error as Error).message}` });
    }
  };
  const server = http.createServer((req, res) => {
    const answered: Promise<void> = handle(req, res)
      .then(() => undefined)
      .finally(() => underWay.delete(answered));
    underWay.add(answered);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    token,
    async close() {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Every caller waiting for a run gets its answer before the connections go.
      while (underWay.size > 0) await Promise.allSettled([...underWay]);
      server.closeAllConnections();
      await closed;
    },
  };
}
