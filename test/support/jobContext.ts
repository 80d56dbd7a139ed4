/** A step's context built as the runner builds it, for tests that call a step directly. */
import type { Services } from '../../src/lib/services.js';
import type { StagingDb } from '../../src/lib/staging/db.js';
import type { JobContext, Section } from '../../src/lib/sync/context.js';
import { createLogger, silentSink } from '../../src/lib/log.js';
import { ReportBuilder } from '../../src/lib/sync/report.js';

export async function stepContext(
  services: Services,
  db: StagingDb,
  parts: Partial<Omit<JobContext<Section>, 'services' | 'db' | 'settings'>> = {},
): Promise<JobContext<Section>> {
  // Every section the steps declare; one whose settings are incomplete throws when a step reads it.
  const batisimply = await services.batisimplySettings().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const settings = {
    sync: services.sync(),
    get geocode() {
      return services.geocode();
    },
    get batisimply() {
      if ('error' in batisimply) throw batisimply.error;
      return batisimply.value;
    },
  };
  return {
    services,
    db,
    settings,
    dryRun: false,
    report: new ReportBuilder(),
    log: createLogger(silentSink),
    progress: () => {},
    ...parts,
  };
}
