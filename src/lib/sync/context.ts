/** What a step is given to work with: its company's services, the staging, its settings, its report. */
import type { BatisimplySettings, GeocodeSettings, SyncSettings } from '../config.js';
import { StopRequestedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Services } from '../services.js';
import type { StagingDb } from '../staging/db.js';
import type { ReportBuilder } from './report.js';

/** Settings sections a step may declare beside `sync`, which every step reads. */
export interface SectionSettings {
  batisimply: BatisimplySettings;
  geocode: GeocodeSettings;
}

export type Section = keyof SectionSettings;

/** A step's context: `settings` holds `sync` and the sections it declared, validated before it started. */
export interface JobContext<S extends Section = never> {
  services: Services;
  db: StagingDb;
  settings: { sync: SyncSettings } & Pick<SectionSettings, S>;
  dryRun: boolean;
  /** The operator confirmed deletions that recup-heures would otherwise hold (--allow-mass-delete). */
  allowMassDelete?: boolean;
  report: ReportBuilder;
  log: Logger;
  progress(done: number, total: number): void;
  /** Aborted when the process is asked to stop (the agent's service stop, Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * Called between two batches: a stop asked while the step works ends it there, with everything
 * before committed and nothing after started (the runner records the run as interrupted).
 */
export function stopIfRequested(ctx: Pick<JobContext<Section>, 'signal'>): void {
  if (ctx.signal?.aborted) throw new StopRequestedError();
}
