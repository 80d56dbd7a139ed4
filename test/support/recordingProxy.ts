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
  /** Resolves once every request received so far has been answered by the target (even one its client gave up on). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const arrivals: Arrival[] = [];
  let inFlight = 0;
  let waiters: (() => void)[] = [];
  const done = () => {
    if (--inFlight > 0) return;
    for (const w of waiters) w();
    waiters = [];
  };
  const server = http.createServer((req, res) => {
    inFlight++;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      done();
    };
    arrivals.push({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://proxy').pathname, at: performance.now() });
    res.on('error', () => {});
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        answer.on('end', finish);
        answer.on('error', finish);
        // The client may have given up (timeout): the answer is still read to its end.
        if (res.destroyed) return void answer.resume();
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      finish();
      res.destroy();
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
