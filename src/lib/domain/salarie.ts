/** A Batigest salarié, and how a BatiSimply user finds theirs. */

export interface Salarie {
  code: string;
  nom: string | null;
  /** BatiSimply user UUID, filled in by the customer; null when empty. */
  codeBs: string | null;
}

/** Salariés by CodeBS: a BatiSimply user id with none, or with several, cannot receive hours. */
export type SalariesByCodeBs = ReadonlyMap<string, readonly Salarie[]>;

export function salariesByCodeBs(salaries: Iterable<Salarie>): SalariesByCodeBs {
  const byCodeBs = new Map<string, Salarie[]>();
  for (const s of salaries) {
    if (!s.codeBs) continue;
    const list = byCodeBs.get(s.codeBs);
    if (list) list.push(s);
    else byCodeBs.set(s.codeBs, [s]);
  }
  return byCodeBs;
}
