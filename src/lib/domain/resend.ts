/**
 * The audit's remedies that send a record again: a command an operator types, and a button of the
 * dashboard, never SQL built from the record's key.
 */

export type ResendKind = 'chantier' | 'heure';

/** A record the audit proposes to send again. */
export interface Resend {
  kind: ResendKind;
  key: string;
}

/** The key as one shell word: left as is when plain, else single-quoted (a quote inside closed and escaped). */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** `connecteur chantiers renvoyer CH001`, `connecteur heures renvoyer 4711`. */
export function resendCommand(r: Resend): string {
  return `connecteur ${r.kind === 'chantier' ? 'chantiers' : 'heures'} renvoyer ${shellWord(r.key)}`;
}
