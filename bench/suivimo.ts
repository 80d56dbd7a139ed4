/**
 * heures-to-sqlserver: SQL Server requests sent for 10,000 validated hours, counted at the port.
 * The in-memory Batigest stands in for SQL Server; each read and apply is split into requests
 * exactly as the SQL Server adapter splits them (its own planning functions).
 */
import type { BatigestPort, SuiviMoTransaction } from '../src/lib/batigest/port.js';
import { suiviMoApplyRequests, suiviMoReadRequests } from '../src/lib/batigest/sqlserver.js';
import { Services } from '../src/lib/services.js';
import { runJob } from '../src/lib/sync/runner.js';
import { Sandbox } from '../src/sandbox/server.js';
import { MemoryBatigest } from '../test/support/memoryBatigest.js';
import { freshDatabase } from '../test/support/pg.js';
import { benchSlots } from './import.js';
import type { Row } from './support.js';
import type { RunReport } from '../src/lib/domain/runs.js';

/** Counts the requests SQL Server would receive, and the largest parameter count of one of them. */
export class CountingBatigest implements BatigestPort {
  requests = 0;
  maxParams = 0;
  constructor(private readonly inner: BatigestPort) {}

  private count(requests: { params: number }[]) {
    this.requests += requests.length;
    for (const r of requests) this.maxParams = Math.max(this.maxParams, r.params);
  }

  readChantiers(etats?: readonly string[]) {
    this.requests++;
    return this.inner.readChantiers(etats);
  }
  readSalaries() {
    this.requests++;
    return this.inner.readSalaries();
  }
  withSuiviMo<T>(fn: (tx: SuiviMoTransaction) => Promise<T>): Promise<T> {
    return this.inner.withSuiviMo((tx) =>
      fn({
        read: (keys) => {
          this.count(suiviMoReadRequests(keys));
          return tx.read(keys);
        },
        apply: (ops) => {
          this.count(suiviMoApplyRequests(ops));
          return tx.apply(ops);
        },
      }),
    );
  }
  readChantierEtats(codes: readonly string[]) {
    this.requests++;
    return this.inner.readChantierEtats(codes);
  }
  readSuiviMoBetween(from: string, to: string) {
    this.requests++;
    return this.inner.readSuiviMoBetween(from, to);
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}

export async function suiviMoRows(n = 10_000): Promise<Row[]> {
  // Every slot validated, with a code and a start of its own, so that each one becomes a SuiviMO row.
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const slots = benchSlots(n).map((s, i) => {
    const start = now - 2 * 86_400_000 - i * 4 * 60_000;
    return {
      ...s,
      startDate: new Date(start).toISOString().replace('.000Z', 'Z'),
      endDate: new Date(start + s.totalTimeMinutes * 60_000).toISOString().replace('.000Z', 'Z'),
      managementStatus: 'VALIDATED',
      project: { id: 1 + (i % 120), projectCode: `CH${i % 120}` },
    };
  });
  const sandbox = new Sandbox({ seed: { timeSlots: slots } });
  await sandbox.start();
  const t = await freshDatabase();
  try {
    const memory = new MemoryBatigest();
    memory.salaries = Array.from({ length: 300 }, (_, i) => ({
      code: `S${i}`,
      nom: `S${i}`,
      codeBs: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    }));
    const batigest = new CountingBatigest(memory);
    const services = new Services(
      { ...sandbox.connectorSettings(), SYNC_TIMEZONE: 'Europe/Paris', BATISIMPLY_TIMEOUT_MS: '60000' },
      { staging: t.db, batigest },
    );
    await runJob(services, 'recup-heures', { trigger: 'cli' });
    const outcome = await runJob(services, 'heures-to-sqlserver', { trigger: 'cli' });
    const report = outcome.report as RunReport;
    await services.close();
    const written = report.counts.created;
    return [
      {
        scenario: `export ${n.toLocaleString('en')} hours to SuiviMO: SQL Server requests`,
        figure: batigest.requests,
        unit: 'statements',
        reference: { label: 'lignes ÷ 100', value: written / 100 },
        ratio: batigest.requests / (written / 100),
        target: '≤ 1×, ≤ 2,100 paramètres',
        met: batigest.requests <= written / 100 && batigest.maxParams <= 2_100,
        note: `${written} rows written, at most ${batigest.maxParams} parameters in one request`,
      },
    ];
  } finally {
    await t.drop();
    await sandbox.stop();
  }
}
