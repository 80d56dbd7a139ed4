/** The step reports of a chained run, by job name. */
import type { AnyReport, ChainReport, RunReport } from '../../src/lib/domain/runs.js';

export function stepReport(report: AnyReport, job: string): RunReport {
  const step = (report as ChainReport).steps.find((s) => s.job === job);
  if (!step) throw new Error(`pas d'étape ${job} dans ${report.job}`);
  return step;
}

/** The reports of `transfer` and `transfer-batisimply` in a `chantiers` (or `all`) run. */
export const transferAndPush = (report: AnyReport): [RunReport, RunReport] => [
  stepReport(report, 'transfer'),
  stepReport(report, 'transfer-batisimply'),
];
