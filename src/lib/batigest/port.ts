/**
 * What the jobs need from Batigest. The SQL Server adapter implements it; the jobs are tested
 * against an in-memory double, while the SQL itself is pinned by the contract suite.
 */
import type { ChantierSource } from '../domain/chantier.js';
import type { Salarie } from '../domain/salarie.js';
import type { SuiviMoKey, SuiviMoOp, SuiviMoRow } from '../domain/suiviMo.js';

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
