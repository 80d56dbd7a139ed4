/** What an agent runs: each role's jobs, each on its schedule, for every company. */
import { hostname } from 'node:os';
import type { CompanyDirectory } from '../companyServices.js';
import type { JobName } from '../sync/registry.js';
import { parseSchedule, type Schedule } from './schedule.js';

export type AgentRole = 'batigest' | 'all';

/** What each role runs, and on which schedule. */
export const ROLE_JOBS: Readonly<Record<AgentRole, readonly { job: JobName; setting: 'CHANTIERS_SCHEDULE' | 'HEURES_SCHEDULE' }[]>> = {
  batigest: [
    { job: 'transfer', setting: 'CHANTIERS_SCHEDULE' },
    { job: 'heures-to-sqlserver', setting: 'HEURES_SCHEDULE' },
  ],
  all: [
    { job: 'chantiers', setting: 'CHANTIERS_SCHEDULE' },
    { job: 'heures', setting: 'HEURES_SCHEDULE' },
  ],
};

export interface PlannedJob {
  company: string;
  job: JobName;
  schedule: Schedule;
}

/** Every company's jobs of the role with their schedules, validated: a bad schedule stops the start (exit 2). */
export function planJobs(directory: CompanyDirectory, role: AgentRole): PlannedJob[] {
  return directory.select().flatMap(({ company, services }) => {
    const schedules = services.schedules();
    const zone = services.sync().SYNC_TIMEZONE;
    return ROLE_JOBS[role].map(({ job, setting }) => ({ company, job, schedule: parseSchedule(setting, schedules[setting], zone) }));
  });
}

export function agentId(role: AgentRole): string {
  return `${hostname()}:${role}`;
}
