/**
 * What the audit's remedies ask for, as commands and buttons instead of SQL to paste: a chantier
 * sent to BatiSimply again, a slot exported to SuiviMO again. Each names the job that then does it.
 */
import type { Services } from '../services.js';
import { requeueChantier } from '../staging/chantiers.js';
import { requeueSlot } from '../staging/heures.js';
import type { ResendKind } from '../domain/resend.js';

export interface ResendOutcome {
  kind: ResendKind;
  /** Marked to be sent again. */
  done: string[];
  /** Not in staging. */
  unknown: string[];
  /** The job that sends them. */
  job: 'transfer-batisimply' | 'heures-to-sqlserver';
}

export async function resend(services: Services, kind: ResendKind, keys: readonly string[]): Promise<ResendOutcome> {
  const db = await services.staging();
  const mark = kind === 'chantier' ? requeueChantier : requeueSlot;
  const outcome: ResendOutcome = { kind, done: [], unknown: [], job: kind === 'chantier' ? 'transfer-batisimply' : 'heures-to-sqlserver' };
  for (const key of keys) ((await mark(db, key)) ? outcome.done : outcome.unknown).push(key);
  return outcome;
}

/** The outcome in the operator's words. */
export function describeResend(o: ResendOutcome): string {
  const what = o.kind === 'chantier' ? 'chantier(s)' : 'créneau(x)';
  const lines: string[] = [];
  if (o.done.length > 0) lines.push(`${o.done.length} ${what} à renvoyer (${o.done.join(', ')}) : lancez « connecteur run ${o.job} ».`);
  if (o.unknown.length > 0) lines.push(`Inconnu(s) en staging : ${o.unknown.join(', ')}.`);
  return lines.join('\n');
}
