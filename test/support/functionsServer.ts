/**
 * Serves the HTTP functions' handlers over real HTTP, the way the Functions host routes them
 * (`/api/<route>`), for the browser test: the host itself cannot run on these machines.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, { type HttpFunctionOptions, type HttpResponseInit } from '@azure/functions';
import { jobFunctions } from '../../src/functions/jobs.js';
import { operatorFunctions } from '../../src/functions/operator.js';

const { HttpRequest, InvocationContext } = functions;

export async function startFunctionsServer(): Promise<{ url: string; close(): Promise<void> }> {
  const routes = new Map<string, HttpFunctionOptions>();
  for (const f of Object.values({ ...jobFunctions, ...operatorFunctions })) routes.set(f.route!, f);
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const f = routes.get(url.pathname.replace(/^\/api\//, ''));
      if (!f || !f.methods?.includes(req.method as 'GET')) return void res.writeHead(404).end();
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const request = new HttpRequest({
        method: req.method!,
        url: url.toString(),
        headers: req.headers as Record<string, string>,
        body: chunks.length ? { string: Buffer.concat(chunks).toString('utf8') } : undefined,
      });
      const answer = (await f.handler(request, new InvocationContext({ functionName: f.route! }))) as HttpResponseInit;
      const headers = (answer.headers ?? {}) as Record<string, string>;
      const body = answer.jsonBody !== undefined ? JSON.stringify(answer.jsonBody) : String(answer.body ?? '');
      res.writeHead(answer.status ?? 200, headers).end(body);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
