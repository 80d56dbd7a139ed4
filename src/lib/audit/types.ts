/** The reconciliation audit's report: every difference between the three systems, explained. */
import type { AuditKind } from '../domain/codes.js';
import type { Resend } from '../domain/resend.js';

/** The kinds of difference: listed, with what each means and resolves it, in domain/codes.ts. */
export type FindingKind = AuditKind;

/** How each kind reads in the summary. */
export const KIND_LABELS: Record<FindingKind, string> = {
  CHANTIER_FILTRE_ETAT: 'chantiers écartés par leur Etat',
  CHANTIER_NON_TRANSFERE: 'chantiers pas encore en staging',
  CHANTIER_EN_ATTENTE: 'chantiers en attente d’envoi',
  CHANTIER_EN_ECHEC: 'chantiers en échec',
  CHANTIER_FIN_EN_ATTENTE: 'chantiers terminés encore ouverts dans BatiSimply',
  PROJET_DISPARU: 'chantiers envoyés mais absents de BatiSimply',
  PROJET_SANS_CHANTIER: 'projets BatiSimply sans chantier Batigest',
  PROJET_EN_DOUBLE: 'codes chantier en double dans BatiSimply',
  CHAMPS_DIFFERENTS: 'chantiers aux champs différents',
  HEURE_NON_RECUPEREE: 'créneaux validés pas encore récupérés',
  HEURE_A_RECUPERER: 'créneaux modifiés pas encore récupérés',
  HEURE_RETENUE: 'créneaux validés retenus',
  HEURE_EN_ATTENTE: 'créneaux en attente d’export',
  HEURE_SANS_LIGNE: 'créneaux validés sans ligne SuiviMO',
  LIGNE_SUPPRIMEE_A_LA_MAIN: 'lignes du connecteur supprimées à la main',
  LIGNE_MODIFIEE_A_LA_MAIN: 'lignes du connecteur modifiées à la main',
  LIGNE_SANS_CRENEAU: 'lignes du connecteur dont le créneau a disparu',
  LIGNE_CRENEAU_NON_VALIDE: 'lignes du connecteur dont le créneau n’est plus validé',
  SAISIE_MAIN_A_CLE_CONNECTEUR: 'saisies à la main à une clé du connecteur',
  SAISIE_MAIN: 'saisies à la main dans SuiviMO',
};

/** Where a record's hours count: a chantier, a salarié and a month ("YYYY-MM"). */
export interface Bucket {
  chantier: string;
  salarie: string;
  month: string;
}

export interface Finding {
  kind: FindingKind;
  /** When the remedy is to send the record again: the command in `action` does it, and so does the dashboard's button. */
  resend?: Resend;
  /** The record: chantier code, BatiSimply slot id, or SuiviMO key "chantier|salarié|date". */
  key: string;
  message: string;
  action: string;
  chantier?: string;
  salarie?: string;
  date?: string;
  /** Hours this record puts on each side of the totals (validated hours in BatiSimply, NbH0 in SuiviMO). */
  heuresBatisimply?: number;
  heuresBatigest?: number;
  bucketBatisimply?: Bucket;
  bucketBatigest?: Bucket;
}

export interface TotalRow {
  key: string;
  month: string;
  batisimply: number;
  batigest: number;
  difference: number;
  /** The part of the difference that the findings account for. */
  expliquee: number;
}

export interface AuditReport {
  generatedAt: string;
  window: { from: string; to: string; timeZone: string };
  summary: {
    differences: number;
    parType: Partial<Record<FindingKind, number>>;
    chantiers: { batigest: number; staging: number; batisimply: number };
    heures: { batisimply: number; batigest: number; difference: number; expliquees: number; inexpliquees: number };
  };
  findings: Finding[];
  totals: { parChantier: TotalRow[]; parSalarie: TotalRow[] };
}
