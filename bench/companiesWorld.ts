/**
 * The companies of bench/companies.ts: each with its own BatiSimply sandbox (its account) and its
 * own Batigest in memory (SQL Server cannot run here), its chantier codes and salariés prefixed
 * with its name, so that a row found in another company's staging, sandbox or SuiviMO shows.
 */
import type { Env } from '../src/lib/config.js';
import { Sandbox } from '../src/sandbox/server.js';
import { chantier } from '../test/support/chantiers.js';
import { MemoryBatigest } from '../test/support/memoryBatigest.js';
import { daysAgo, slot } from '../test/support/slots.js';

export const companyNames = (n: number) => Array.from({ length: n }, (_, i) => `e${String(i).padStart(3, '0')}`);

export interface CompanyWorld {
  name: string;
  prefix: string;
  sandbox: Sandbox;
  batigest: MemoryBatigest;
}

const SALARIES = 20;
const userId = (c: number, s: number) => `00000000-0000-4000-8${String(c % 1000).padStart(3, '0')}-${String(s).padStart(12, '0')}`;

export async function companyWorld(index: number, size: { chantiers: number; slots: number }): Promise<CompanyWorld> {
  const name = companyNames(index + 1)[index]!;
  const prefix = name.toUpperCase();
  const codes = Array.from({ length: size.chantiers }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
  const sandbox = new Sandbox({
    seed: {
      timeSlots: Array.from({ length: size.slots }, (_, i) =>
        slot(i + 1, daysAgo(1 + (i % 28), `${String(6 + (i % 10)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00`), 60, {
          user: { id: userId(index, i % SALARIES), firstName: 'S', lastName: `${prefix}-${i % SALARIES}` },
          project: { id: 100_000 + (i % size.chantiers), projectCode: codes[i % size.chantiers]! },
        }),
      ),
    },
  });
  await sandbox.start();
  const batigest = new MemoryBatigest();
  batigest.chantiers = codes.map((code) => chantier(code));
  batigest.salaries = Array.from({ length: SALARIES }, (_, s) => ({ code: `${prefix}S${s}`, nom: `S${s}`, codeBs: userId(index, s) }));
  return { name, prefix, sandbox, batigest };
}

/** The settings of the companies, each pointing at its own sandbox account. */
export function settingsOf(stagingUrl: string, worlds: readonly CompanyWorld[], queueConnection: string, poolMax: number): Env {
  const env: Env = {
    STAGING_DATABASE_URL: stagingUrl,
    STAGING_POOL_MAX: String(poolMax),
    SYNC_TIMEZONE: 'Europe/Paris',
    AzureWebJobsStorage: queueConnection,
    COMPANIES: worlds.map((w) => w.name).join(','),
    // A 429 is waited out as BatiSimply asks, a few times, then the run fails: the others must not notice.
    BATISIMPLY_MAX_RETRIES: '2',
  };
  for (const w of worlds) {
    for (const [k, v] of Object.entries(w.sandbox.connectorSettings())) env[`COMPANY_${w.name.toUpperCase()}__${k}`] = v;
  }
  return env;
}
