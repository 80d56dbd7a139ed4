/** `connecteur serve` in its own process, for the tests that talk to it over HTTP. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Env } from '../../src/lib/config.js';
import { BIN } from './cli.js';

export interface ServeProcess {
  child: ChildProcess;
  /** The dashboard's address, with its token. */
  dashboard: string;
  base: string;
  token: string;
  output(): { out: string; err: string };
  stop(): Promise<void>;
}

/** `connecteur serve` in its own process: resolves once it printed its start (the dashboard's address, then Ctrl+C). */
export function startServe(settings: Env): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], {
      env: { PATH: process.env.PATH, ...settings } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      // Its last line at start: everything it says on starting is there.
      const m = /Tableau de bord : (http:\/\/[^\s]+)[\s\S]*Ctrl\+C/.exec(out);
      if (!m) return;
      const dashboard = m[1]!;
      resolve({
        child,
        dashboard,
        base: new URL(dashboard).origin,
        token: new URL(dashboard).searchParams.get('code') ?? '',
        output: () => ({ out, err }),
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
