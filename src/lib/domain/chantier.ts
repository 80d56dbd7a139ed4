/** A chantier as Batigest holds it, and what a chantier code may be. */

/** A chantier as read from Batigest (ChantierDef and its accepted quotes), in the shape staged. */
export interface ChantierSource {
  code: string;
  libelle: string | null;
  nomClient: string | null;
  dateDebut: string | null;
  dateFin: string | null;
  adrChantier: string | null;
  cpChantier: string | null;
  villeChantier: string | null;
  etat: string | null;
  /** Hours of labour sold (accepted quotes' TempsMO). */
  totalMo: number | null;
}

/** ChantierDef.Code is 8 characters: a longer code cannot be a Batigest chantier, so it is refused, never cut. */
export const CODE_CHANTIER_MAX = 8;

export function chantierProblem(c: Pick<ChantierSource, 'code'>): string | null {
  const code = c.code?.trim() ?? '';
  if (code === '') return 'Code chantier vide.';
  if (code.length > CODE_CHANTIER_MAX) {
    return `Code chantier « ${code} » trop long (${code.length} caractères, ${CODE_CHANTIER_MAX} au plus dans Batigest) : refusé pour ne pas changer la clé.`;
  }
  return null;
}

/** What a chantier that left Batigest becomes in BatiSimply (CHANTIERS_FIN_MODE), in the operator's words. */
export const FIN_MODE_FR: Readonly<Record<'finished' | 'archived', string>> = { finished: 'terminé', archived: 'archivé' };
