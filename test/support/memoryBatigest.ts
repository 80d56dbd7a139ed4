/**
 * The Batigest port in memory, for the jobs' tests: transactions that commit or roll back as a
 * whole, and a fault that can be armed at every step of a SuiviMO write.
 */
import type { BatigestPort, SuiviMoTransaction } from '../../src/lib/batigest/port.js';
import type { ChantierSource } from '../../src/lib/domain/chantier.js';
import type { Salarie } from '../../src/lib/domain/salarie.js';
import { type SuiviMoKey, type SuiviMoOp, type SuiviMoRow, suiviMoKeyId } from '../../src/lib/domain/suiviMo.js';

export type BatigestCrashPoint = 'read' | 'apply' | 'beforeCommit' | 'afterCommit';

export class CrashError extends Error {
  constructor(point: string) {
    super(`simulated crash at ${point}`);
  }
}

export class MemoryBatigest implements BatigestPort {
  chantiers: ChantierSource[] = [];
  salaries: Salarie[] = [];
  suiviMo: SuiviMoRow[] = [];
  crashAt: BatigestCrashPoint | undefined;
  commits = 0;

  private maybeCrash(point: BatigestCrashPoint) {
    if (this.crashAt === point) {
      this.crashAt = undefined;
      throw new CrashError(point);
    }
  }

  async readChantiers(etats?: readonly string[]) {
    return structuredClone(this.chantiers.filter((c) => !etats || etats.includes(c.etat ?? '')));
  }

  async readSalaries() {
    return structuredClone(this.salaries);
  }

  /** Calls to each read, so that tests can check the audit reads once. */
  reads = { chantierEtats: 0, suiviMoBetween: 0 };

  async readChantierEtats(codes: readonly string[]) {
    this.reads.chantierEtats++;
    const wanted = new Set(codes);
    return new Map(this.chantiers.filter((c) => wanted.has(c.code)).map((c) => [c.code, c.etat]));
  }

  async readSuiviMoBetween(from: string, to: string) {
    this.reads.suiviMoBetween++;
    return structuredClone(
      this.suiviMo.filter((r) => r.date >= from && r.date < `${to}`).sort((a, b) => suiviMoKeyId(a).localeCompare(suiviMoKeyId(b))),
    );
  }

  async withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
    const working = structuredClone(this.suiviMo);
    const at = (key: SuiviMoKey) => working.filter((r) => suiviMoKeyId(r) === suiviMoKeyId(key));
    const tx: SuiviMoTransaction = {
      read: async (keys) => {
        this.maybeCrash('read');
        const wanted = new Set(keys.map(suiviMoKeyId));
        return structuredClone(working.filter((r) => wanted.has(suiviMoKeyId(r))));
      },
      apply: async (ops: readonly SuiviMoOp[]) => {
        this.maybeCrash('apply');
        for (const op of ops) {
          const key = op.kind === 'insert' ? op.row : op.kind === 'update' ? op.from : op.row;
          const matches = at(key);
          if (op.kind !== 'insert' && matches.length !== 1) throw new Error(`SuiviMO : ${op.kind} sans effet unique`);
          if (op.kind === 'insert') working.push({ ...op.row });
          else if (op.kind === 'update') Object.assign(matches[0]!, op.to);
          else working.splice(working.indexOf(matches[0]!), 1);
        }
      },
    };
    const value = await fn(tx);
    this.maybeCrash('beforeCommit');
    this.suiviMo = working;
    this.commits++;
    this.maybeCrash('afterCommit');
    return value;
  }

  async ping() {}
  async close() {}
}
