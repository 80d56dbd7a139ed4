/** A BatiSimply time slot as staging holds it, and which of its changes reach SuiviMO. */
import type { SuiviMoRow } from './suiviMo.js';

/** Only hours a manager validated in BatiSimply go to the ERP. */
export const VALIDATED = 'VALIDATED';

/** A slot as read from BatiSimply, in the shape staged (wall-clock minutes in SYNC_TIMEZONE). */
export interface StagedSlot {
  idHeure: string;
  dateDebut: string;
  dateFin: string;
  startUtc: string;
  endUtc: string;
  idUtilisateur: string;
  idProjet: number | null;
  projectCodeInSlot: string | null;
  codeProjet: string | null;
  status: string;
  totalHeure: number;
  panier: boolean;
  trajet: boolean;
  userName: string | null;
  /** Digest of the fields above as read from BatiSimply (not `codeProjet`, which staging resolves). */
  contentHash: string;
}

/** A slot as staging holds it already (columns may be null in rows the earlier tool wrote). */
export interface ExistingSlot {
  idHeure: string;
  dateDebut: string | null;
  dateFin: string | null;
  idUtilisateur: string | null;
  idProjet: number | null;
  projectCodeInSlot: string | null;
  codeProjet: string | null;
  status: string | null;
  totalHeure: number | null;
  panier: boolean | null;
  trajet: boolean | null;
  userName: string | null;
  deleted: boolean;
}

/** What the ledger says SuiviMO holds for a slot. */
export interface LedgerEntry {
  /** The row SuiviMO holds for this slot, as last confirmed; null fields when nothing is there. */
  confirmed: (Omit<SuiviMoRow, 'codeSalarie'> & { codeSalarie: string | null; idUtilisateur: string | null }) | null;
  /** A write that was started and not confirmed: the target row, or null for a removal. */
  intent: { target: SuiviMoRow | null } | null;
}

/** A slot waiting for SuiviMO, with what the ledger says was written for it. */
export interface PendingSlot {
  idHeure: string;
  revision: number;
  dateDebut: string | null;
  idUtilisateur: string | null;
  idProjet: number | null;
  codeProjet: string | null;
  status: string | null;
  totalHeure: number | null;
  panier: boolean;
  trajet: boolean;
  userName: string | null;
  deleted: boolean;
  ledger: LedgerEntry | null;
}

/** Sets `codeProjet`: a code resolved earlier stays while the slot keeps its project; a new project starts afresh. */
export function withResolvedCode(s: StagedSlot, existing: ExistingSlot | undefined): StagedSlot {
  const code = s.projectCodeInSlot;
  s.codeProjet = existing && existing.idProjet === s.idProjet ? (code ?? existing.codeProjet) : code;
  return s;
}

/** Whether the change reaches SuiviMO: status, start minute, minutes, allowances, project, user. */
export function reachesSuiviMo(next: StagedSlot, prev: ExistingSlot | undefined): boolean {
  if (!prev || prev.deleted) return true;
  return (
    prev.status !== next.status ||
    prev.dateDebut !== next.dateDebut ||
    prev.totalHeure !== next.totalHeure ||
    prev.panier !== next.panier ||
    prev.trajet !== next.trajet ||
    prev.idProjet !== next.idProjet ||
    prev.codeProjet !== next.codeProjet ||
    prev.idUtilisateur !== next.idUtilisateur
  );
}

/** A freshly read slot seen as `heures-to-sqlserver` would see it once staged (for the audit). */
export function asPendingSlot(s: StagedSlot): PendingSlot {
  return {
    idHeure: s.idHeure,
    revision: 0,
    dateDebut: s.dateDebut,
    idUtilisateur: s.idUtilisateur,
    idProjet: s.idProjet,
    codeProjet: s.codeProjet,
    status: s.status,
    totalHeure: s.totalHeure,
    panier: s.panier,
    trajet: s.trajet,
    userName: s.userName,
    deleted: false,
    ledger: null,
  };
}
