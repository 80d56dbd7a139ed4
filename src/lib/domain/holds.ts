/**
 * Why `heures-to-sqlserver` holds a slot back, and what resolves each reason. The job emits these
 * codes, the run history stores them, the audit and the operator's guide explain them: one list.
 */
import { CODE_CHANTIER_MAX } from './chantier.js';

export const HOLD_CODES = [
  'CHANTIER_NON_RESOLU',
  'CODE_CHANTIER_TROP_LONG',
  'SALARIE_INCONNU',
  'SALARIE_AMBIGU',
  'CRENEAU_INCOMPLET',
  'CONFLIT_SUIVIMO',
] as const;

export type HoldCode = (typeof HOLD_CODES)[number];

export interface Hold {
  code: HoldCode;
  reason: string;
}

export const isHoldCode = (code: string): code is HoldCode => (HOLD_CODES as readonly string[]).includes(code);

/** What an operator does about each hold; every one ends with the run that picks the slot up again. */
export const HOLD_ACTIONS: Readonly<Record<HoldCode, string>> = {
  SALARIE_INCONNU: 'Renseignez dans Batigest le CodeBS du salarié (son identifiant BatiSimply), puis lancez « connecteur run heures ».',
  SALARIE_AMBIGU: 'Ne laissez ce CodeBS qu’à un seul salarié dans Batigest, puis lancez « connecteur run heures ».',
  CHANTIER_NON_RESOLU:
    'Donnez un code chantier au projet dans BatiSimply (ou lancez « connecteur run chantiers »), puis « connecteur run heures ».',
  CODE_CHANTIER_TROP_LONG: `Corrigez le code du projet dans BatiSimply (${CODE_CHANTIER_MAX} caractères au plus), puis lancez « connecteur run heures ».`,
  CONFLIT_SUIVIMO:
    'Vérifiez la ligne SuiviMO citée dans Batigest (supprimez la saisie à la main en double), puis lancez « connecteur run heures ».',
  CRENEAU_INCOMPLET: 'Complétez le créneau dans BatiSimply, puis lancez « connecteur run heures ».',
};

const UNKNOWN_HOLD_ACTION = 'Corrigez la cause indiquée, puis lancez « connecteur run heures ».';

/** The remedy of a stored hold code (a code from an older version gets the general one). */
export function holdAction(code: string): string {
  return isHoldCode(code) ? HOLD_ACTIONS[code] : UNKNOWN_HOLD_ACTION;
}
