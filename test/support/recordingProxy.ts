/**
 * A pass-through HTTP proxy in front of the sandbox that records when each request arrived, so a
 * test can check the gaps between a client's attempts as the server saw them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Arrival {
  method: string;
  path: string;
  at: number;
}

export interface RecordingProxy {
  url: string;
  arrivals: Arrival[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const arrivals: Arrival[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://proxy').pathname, at: performance.now() });
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
