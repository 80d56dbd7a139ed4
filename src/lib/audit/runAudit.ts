/** `connecteur audit`, GET /api/audit: reads the three systems once, explains every difference. Writes nothing. */
import type { Services } from '../services.js';
import { auditChantiers } from './chantiers.js';
import { auditHours } from './hours.js';
import { auditWindow, cliBound, readAuditInputs, type BoundName } from './read.js';
import { auditTotals } from './totals.js';
import type { AuditReport, FindingKind } from './types.js';

/** `named`: how the window's bounds are named in a message (`--from`, or `paramètre from` over HTTP). */
export async function runAudit(
  services: Services,
  asked: { from?: string; to?: string } = {},
  named: BoundName = cliBound,
): Promise<AuditReport> {
  const window = auditWindow(services, asked, new Date(), named);
  const inputs = await readAuditInputs(services, window);
  const { findings: hourFindings, buckets } = auditHours(inputs);
  const findings = [...auditChantiers(inputs), ...hourFindings];
  const totals = auditTotals(inputs, findings, (id) => buckets.get(id));
  const parType: Partial<Record<FindingKind, number>> = {};
  for (const f of findings) parType[f.kind] = (parType[f.kind] ?? 0) + 1;
  return {
    generatedAt: new Date().toISOString(),
    window,
    summary: {
      differences: findings.length,
      parType,
      chantiers: {
        batigest: inputs.batigest.chantiers.length,
        staging: inputs.staging.chantiers.length,
        batisimply: inputs.batisimply.projects.length,
      },
      heures: totals.heures,
    },
    findings,
    totals: { parChantier: totals.parChantier, parSalarie: totals.parSalarie },
  };
}
