import type { SandboxTimeSlot } from '../../src/sandbox/state.js';

export const USER_DUPONT = '7b5c3f9e-0d5e-4a55-9a63-6f1e8c1a2b3c';
export const USER_MARTIN = '1f0e2d3c-4b5a-4697-8887-766554433221';
export const USER_UNKNOWN = '99999999-9999-4999-8999-999999999999';

export function slot(id: number, start: string, minutes: number, overrides: Partial<SandboxTimeSlot> = {}): SandboxTimeSlot {
  const startMs = Date.parse(start);
  return {
    id,
    startDate: start,
    endDate: new Date(startMs + minutes * 60_000).toISOString().replace('.000Z', 'Z'),
    user: { id: USER_DUPONT, firstName: 'Jean', lastName: 'DUPONT' },
    project: { id: 1, projectCode: 'CH001' },
    managementStatus: 'VALIDATED',
    totalTimeMinutes: minutes,
    hasPackedLunch: false,
    hasHomeToWorkJourney: false,
    ...overrides,
  };
}

/** An instant `daysAgo` days before now at the given UTC time, as "…Z". */
export function daysAgo(days: number, time = '06:00:00'): string {
  const d = new Date(Date.now() - days * 86_400_000);
  return `${d.toISOString().slice(0, 10)}T${time}Z`;
}

/** The most recent past last Sunday of a month (3 = March, 10 = October), "YYYY-MM-DD". */
export function lastSundayOf(month: number): string {
  const now = new Date();
  for (let year = now.getUTCFullYear(); ; year--) {
    const d = new Date(Date.UTC(year, month, 0));
    d.setUTCDate(d.getUTCDate() - d.getUTCDay());
    if (d.getTime() < now.getTime() - 2 * 86_400_000) return d.toISOString().slice(0, 10);
  }
}
