/** The campaign's summary table: per case, tried, passed, failed, and notes. */
interface Row {
  tried: number;
  passed: number;
  failed: number;
  notes: string[];
}
const table = new Map<string, Row>();
/** Only the cases whose name matches (while working on one). */
const ONLY = process.env.CHAOS_ONLY ? new RegExp(process.env.CHAOS_ONLY, 'i') : undefined;

export function record(name: string, ok: boolean, note?: string) {
  const row = table.get(name) ?? { tried: 0, passed: 0, failed: 0, notes: [] };
  row.tried++;
  if (ok) row.passed++;
  else row.failed++;
  if (note) row.notes.push(note);
  table.set(name, row);
}

export function note(name: string, text: string) {
  const row = table.get(name) ?? { tried: 0, passed: 0, failed: 0, notes: [] };
  row.notes.push(text);
  table.set(name, row);
}

/** Runs one case: it passes when it returns no problem. */
export async function attempt(name: string, fn: () => Promise<string[]>) {
  if (ONLY && !ONLY.test(name)) return;
  try {
    const problems = await fn();
    record(name, problems.length === 0, problems.join(' ; ') || undefined);
  } catch (error) {
    record(name, false, `erreur : ${(error as Error).message}`);
  }
}

/** Prints the table; returns the number of failures. */
export function printTable() {
  const rows = [...table.entries()];
  const width = Math.max(...rows.map(([name]) => name.length), 4);
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(width)}  ${b.padStart(6)}  ${c.padStart(6)}  ${d.padStart(6)}`;
  const out = [line('cas', 'essais', 'réussis', 'échecs'), '-'.repeat(width + 24)];
  for (const [name, r] of rows) out.push(line(name, String(r.tried), String(r.passed), String(r.failed)));
  const total = rows.reduce((a, [, r]) => ({ t: a.t + r.tried, p: a.p + r.passed, f: a.f + r.failed }), { t: 0, p: 0, f: 0 });
  out.push('-'.repeat(width + 24), line('total', String(total.t), String(total.p), String(total.f)));
  for (const [name, r] of rows) for (const note of r.notes) out.push(`  · ${name} : ${note}`);
  process.stdout.write(`\n${out.join('\n')}\n`);
  return total.f;
}
