/** A SuiviMO row (Batigest's labour ledger): its key, its values, and when two rows agree. */

/** The key the earlier tool used for SuiviMO rows; `date` is a wall-clock "YYYY-MM-DDTHH:MM". */
export interface SuiviMoKey {
  codeChantier: string;
  codeSalarie: string;
  date: string;
}

export interface SuiviMoValues {
  /** Decimal hours. */
  nbh0: number;
  /** Travel allowance count (NbH3 by default). */
  trajet: number;
  /** Meal allowance count (NbH4 by default). */
  panier: number;
}

export type SuiviMoRow = SuiviMoKey & SuiviMoValues;

export type SuiviMoOp =
  { kind: 'insert'; row: SuiviMoRow } | { kind: 'update'; from: SuiviMoKey; to: SuiviMoRow } | { kind: 'delete'; row: SuiviMoKey };

export function suiviMoKeyId(key: SuiviMoKey): string {
  return `${key.codeChantier}|${key.codeSalarie}|${key.date}`;
}

export const sameSuiviMoKey = (a: SuiviMoKey, b: SuiviMoKey) => suiviMoKeyId(a) === suiviMoKeyId(b);

/** Batigest's columns hold hours with limited precision: equal within a fraction of a minute. */
export function sameSuiviMoValues(a: SuiviMoValues, b: SuiviMoValues): boolean {
  return Math.abs(a.nbh0 - b.nbh0) < 0.005 && a.trajet === b.trajet && a.panier === b.panier;
}

/** NbH0 is decimal hours (the earlier tool once wrote minutes there), to four decimals. */
export function hoursOf(minutes: number): number {
  return Math.round((minutes / 60) * 10_000) / 10_000;
}

/** Rows grouped by key: more than one row at a key is a hand entry beside the connector's. */
export function rowsByKey<R extends SuiviMoKey>(rows: Iterable<R>): Map<string, R[]> {
  const byKey = new Map<string, R[]>();
  for (const r of rows) {
    const id = suiviMoKeyId(r);
    const list = byKey.get(id);
    if (list) list.push(r);
    else byKey.set(id, [r]);
  }
  return byKey;
}
