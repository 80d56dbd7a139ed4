/**
 * Hours per chantier and per salarié per month on both sides, and the part of each difference the
 * findings account for. What is left over is "unexplained": the audit's own check, which must be 0.
 */
import type { AuditInputs } from './read.js';
import type { Bucket, Finding, TotalRow } from './types.js';
import { hoursOf } from '../domain/suiviMo.js';
import { VALIDATED } from '../domain/slots.js';

/** Under a hundredth of an hour is rounding (NbH0 keeps four decimals of minutes / 60). */
export const TOLERANCE = 0.01;
const round = (n: number) => Math.round(n * 10_000) / 10_000;

type Side = 'batisimply' | 'batigest' | 'expliquee';

class Table {
  private readonly cells = new Map<string, TotalRow>();
  add(key: string, month: string, side: Side, hours: number) {
    const id = `${key}\u0000${month}`;
    const row = this.cells.get(id) ?? { key, month, batisimply: 0, batigest: 0, difference: 0, expliquee: 0 };
    row[side] += hours;
    this.cells.set(id, row);
  }
  rows(): TotalRow[] {
    return [...this.cells.values()]
      .map((r) => ({
        ...r,
        batisimply: round(r.batisimply),
        batigest: round(r.batigest),
        expliquee: round(r.expliquee),
        difference: round(r.batisimply - r.batigest),
      }))
      .sort((a, b) => a.key.localeCompare(b.key) || a.month.localeCompare(b.month));
  }
}

export function auditTotals(inputs: AuditInputs, findings: readonly Finding[], bucketOfSlot: (slotId: string) => Bucket | undefined) {
  const chantiers = new Table();
  const salaries = new Table();
  const add = (b: Bucket, side: Side, hours: number) => {
    chantiers.add(b.chantier, b.month, side, hours);
    salaries.add(b.salarie, b.month, side, hours);
  };
  for (const slot of inputs.batisimply.slots) {
    if (slot.managementStatus !== VALIDATED) continue;
    const b = bucketOfSlot(slot.id);
    if (b) add(b, 'batisimply', hoursOf(slot.totalTimeMinutes));
  }
  for (const row of inputs.batigest.suiviMo)
    add({ chantier: row.codeChantier, salarie: row.codeSalarie, month: row.date.slice(0, 7) }, 'batigest', row.nbh0);
  for (const f of findings) {
    if (f.bucketBatisimply && f.heuresBatisimply) add(f.bucketBatisimply, 'expliquee', f.heuresBatisimply);
    if (f.bucketBatigest && f.heuresBatigest) add(f.bucketBatigest, 'expliquee', -f.heuresBatigest);
  }
  const parChantier = chantiers.rows();
  const parSalarie = salaries.rows();
  const sum = (rows: TotalRow[], pick: (r: TotalRow) => number) => round(rows.reduce((n, r) => n + pick(r), 0));
  const unexplained = (rows: TotalRow[]) =>
    sum(rows, (r) => (Math.abs(r.difference - r.expliquee) >= TOLERANCE ? Math.abs(r.difference - r.expliquee) : 0));
  return {
    parChantier,
    parSalarie,
    heures: {
      batisimply: sum(parChantier, (r) => r.batisimply),
      batigest: sum(parChantier, (r) => r.batigest),
      difference: sum(parChantier, (r) => r.difference),
      expliquees: sum(parChantier, (r) => r.expliquee),
      inexpliquees: Math.max(unexplained(parChantier), unexplained(parSalarie)),
    },
  };
}
