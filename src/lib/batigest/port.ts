/**
 * What the jobs need from Batigest. The SQL Server adapter implements it; the jobs are tested
 * against an in-memory double, while the SQL itself is pinned by the contract suite.
 */
import type { ChantierSource } from '../staging/chantiers.js';

export type { ChantierSource };

export interface Salarie {
  code: string;
  nom: string | null;
  /** BatiSimply user UUID, filled in by the customer; null when empty. */
  codeBs: string | null;
}

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

export interface SuiviMoTransaction {
  /** The rows at these keys, locked until the transaction ends. */
  read(keys: readonly SuiviMoKey[]): Promise<SuiviMoRow[]>;
  /** Applies the operations; each must touch exactly one row, or the whole transaction fails. */
  apply(ops: readonly SuiviMoOp[]): Promise<void>;
}

export interface BatigestPort {
  /** Chantiers to sync (all, or those whose Etat is listed), with their hours sold. */
  readChantiers(etats?: readonly string[]): Promise<ChantierSource[]>;
  readSalaries(): Promise<Salarie[]>;
  /** The Etat of each of these chantiers that still exists in ChantierDef (a code absent: deleted). */
  readChantierEtats(codes: readonly string[]): Promise<Map<string, string | null>>;
  /** SuiviMO rows dated in [from, to) (wall-clock "YYYY-MM-DD" bounds), for the audit. */
  readSuiviMoBetween(from: string, to: string): Promise<SuiviMoRow[]>;
  /** Runs `fn` in one SQL Server transaction: committed when it resolves, rolled back when it throws. */
  withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function suiviMoKeyId(key: SuiviMoKey): string {
  return `${key.codeChantier}|${key.codeSalarie}|${key.date}`;
}

/** Batigest's columns hold hours with limited precision: equal within a fraction of a minute. */
export function sameSuiviMoValues(a: SuiviMoValues, b: SuiviMoValues): boolean {
  return Math.abs(a.nbh0 - b.nbh0) < 0.005 && a.trajet === b.trajet && a.panier === b.panier;
}
