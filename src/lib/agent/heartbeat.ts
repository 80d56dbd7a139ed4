/**
 * The agent's heartbeat: one row per agent in each company's staging, written every minute and
 * after each run. A write that fails (staging down) is logged once, and once again when it works.
 */
import { hostname } from 'node:os';
import { toConnectorError } from '../errors.js';
import type { Services } from '../services.js';
import { writeHeartbeat } from '../staging/agent.js';
import type { Logger } from '../log.js';
import { agentId, type AgentRole, type PlannedJob } from './plan.js';
import { schemaVersions } from './schemaCheck.js';

export interface BeatUpdate {
  lastStep?: string;
  lastStatus?: string;
  /** null clears the last error. */
  lastError?: string | null;
}

export class Heartbeats {
  private readonly started = new Set<string>();
  private readonly failing = new Set<string>();

  constructor(
    private readonly options: { role: AgentRole; version: string; log: Logger },
    private readonly planned: readonly PlannedJob[],
  ) {}

  async beat(company: string, services: Services, update: BeatUpdate = {}): Promise<boolean> {
    const mine = this.planned.filter((p) => p.company === company);
    try {
      const db = await services.staging();
      const { known, found } = await schemaVersions(services);
      await writeHeartbeat(
        db,
        {
          agentId: agentId(this.options.role),
          host: hostname(),
          version: this.options.version,
          role: this.options.role,
          pid: process.pid,
          ...(update.lastStep !== undefined ? { lastStep: update.lastStep, lastStepAt: new Date().toISOString() } : {}),
          ...(update.lastStatus !== undefined ? { lastStatus: update.lastStatus } : {}),
          ...(update.lastError !== undefined ? { lastError: update.lastError } : {}),
          schemaKnown: known,
          schemaFound: found,
          schedules: Object.fromEntries(mine.map((p) => [p.job, p.schedule.expression])),
          shortestPeriodSeconds: Math.round(Math.min(...mine.map((p) => p.schedule.periodSeconds))),
        },
        !this.started.has(company),
      );
      this.started.add(company);
      if (this.failing.delete(company))
        this.options.log.info('Battement de cœur de l’agent rétabli.', { company, event: 'agent.heartbeat' });
      return true;
    } catch (error) {
      if (!this.failing.has(company)) {
        this.failing.add(company);
        this.options.log.warn(`Battement de cœur de l’agent impossible : ${toConnectorError(error).message}`, {
          company,
          event: 'agent.heartbeat',
        });
      }
      return false;
    }
  }
}
