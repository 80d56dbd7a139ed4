/** Agents in processes of their own (agentProcess.ts, with the Batigest stand-in), for the end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../src/lib/config.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'agentProcess.js');

export interface AgentProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves with the first stdout line matching. */
  line(re: RegExp): Promise<string>;
}

export function startAgentProcess(env: Env, args: string[] = ['--role', 'batigest']): AgentProcess {
  const child = spawn(process.execPath, [SCRIPT, ...args], {
    env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiting: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiting]) {
      const found = stdout.split('\n').find((l) => w.re.test(l));
      if (found) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(found);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => `${stdout}\n${stderr}`,
    exited,
    line: (re) =>
      new Promise((resolve, reject) => {
        const found = stdout.split('\n').find((l) => re.test(l));
        if (found) return resolve(found);
        waiting.push({ re, resolve });
        void exited.then(() => reject(new Error(`agent exited before printing ${re}:\n${stdout}\n${stderr}`)));
      }),
  };
}
