/** Helpers of the benchmark: timing, medians, child processes, the result table. */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
};

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs a process to its end; its wall time, exit code and output. */
export function runProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code, stdout, stderr }));
  });
}

/** A child bench script that prints one JSON line as its last line of stdout. */
export async function runChild<T>(script: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await runProcess(process.execPath, ['--expose-gc', script, ...args], env);
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} a échoué (${r.code}) : ${r.stderr.slice(-2000)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

export interface Row {
  scenario: string;
  figure: number;
  unit: 'ms' | 'MB' | 'statements' | 'rows' | 'requests/s' | '% core' | 'connections' | 'requests';
  /** What the figure is compared with: a floor measured in the same run, a baseline, or a target value. */
  reference?: { label: string; value: number };
  /** figure ÷ reference (or reference ÷ figure when `higherIsBetter`). */
  ratio?: number;
  target?: string;
  met?: boolean;
  note?: string;
}

export function printTable(rows: readonly Row[]) {
  const fmt = (v: number, unit: string) =>
    unit === 'ms'
      ? `${v.toFixed(0)} ms`
      : unit === 'MB'
        ? `${v.toFixed(0)} MB`
        : unit === '% core'
          ? `${v.toFixed(3)} % d'un cœur`
          : `${Math.round(v)} ${unit}`;
  const cells = rows.map((r) => [
    r.scenario,
    fmt(r.figure, r.unit),
    r.reference ? `${r.reference.label}: ${fmt(r.reference.value, r.unit === 'rows' ? 'statements' : r.unit)}` : '',
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'oui' : 'NON',
  ]);
  const head = ['scénario', 'mesure', 'plancher / référence', 'ratio', 'cible', 'atteinte'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}
