/**
 * `fin-chantiers`: chantiers that end. `transfer` notices a staged chantier that Batigest no longer
 * returns (deleted, or its Etat left CHANTIERS_ETATS) and one that comes back; this step then
 * marks the project finished or archived in BatiSimply (CHANTIERS_FIN_MODE), or reopens it. A
 * chantier is finished only once a recup-heures that began after its end has run and every staged
 * slot of it is exported, so that the ERP has received all its hours before BatiSimply closes it.
 */
import pLimit from 'p-limit';
import type { BatisimplyApi, Project, ProjectBody } from '../batisimply/client.js';
import { findProject } from '../batisimply/findProject.js';
import { pendingFins, setFinState, type FinPending, type FinState } from '../staging/chantierEnds.js';
import { FIN_MODE_FR } from '../domain/chantier.js';
import { oldestProjectPerCode } from '../domain/project.js';
import type { JobContext } from './context.js';

const FIELD: Record<'finished' | 'archived', 'isFinished' | 'isArchived'> = { finished: 'isFinished', archived: 'isArchived' };
/** `fin-chantiers`: tells BatiSimply which chantiers ended or came back. */
export async function finishChantiers(ctx: JobContext<'batisimply'>): Promise<void> {
  const { CHANTIERS_FIN_MODE: mode } = ctx.settings.sync;
  const rows = (await pendingFins(ctx.db)).filter((r) => r.endReason === null || mode !== 'none');
  if (rows.length === 0) return;
  ctx.report.add('read', rows.length);
  const api = await ctx.services.batisimply();
  const lookup = new ProjectLookup(api);
  const limit = pLimit(ctx.settings.batisimply.BATISIMPLY_CONCURRENCY);
  await Promise.all(
    rows.map((row) =>
      limit(async () => {
        try {
          await (row.endReason !== null ? finishOne(ctx, lookup, row, mode as 'finished' | 'archived') : reopenOne(ctx, lookup, row));
        } catch (error) {
          ctx.report.fail(row.code, error);
        }
      }),
    ),
  );
}

async function finishOne(ctx: JobContext<'batisimply'>, lookup: ProjectLookup, row: FinPending, mode: 'finished' | 'archived') {
  if (!row.hoursFetchedSinceEnd) {
    // Hours booked in BatiSimply but not yet fetched are pending export too: wait for a recup-heures.
    ctx.report.hold(
      row.code,
      'HEURES_A_RECUPERER',
      `Chantier ${row.code} ${row.endReason} : il sera ${FIN_MODE_FR[mode]} dans BatiSimply après la prochaine récupération des heures (recup-heures) et leur export.`,
    );
    return;
  }
  if (row.pendingHours > 0) {
    const held = row.heldHours > 0 ? `, dont ${row.heldHours} retenue(s) : à résoudre d'abord` : '';
    ctx.report.hold(
      row.code,
      'HEURES_EN_ATTENTE',
      `Chantier ${row.code} ${row.endReason} : ${row.pendingHours} créneau(x) d'heures encore à exporter vers SuiviMO${held}. Il sera ${FIN_MODE_FR[mode]} dans BatiSimply une fois ces heures exportées.`,
    );
    return;
  }
  const project = await lookup.find(row);
  if (!project) {
    if (!ctx.dryRun) await setFinState(ctx.db, row.code, 'absent');
    ctx.report.ok(row.code, 'unchanged');
    return;
  }
  if (!ctx.dryRun) {
    await lookup.api.updateProject(project.id, withFlag(project, FIELD[mode], true));
    await setFinState(ctx.db, row.code, mode, project.id);
  }
  ctx.report.ok(row.code, 'updated');
  ctx.report.warn(
    row.code,
    'CHANTIER_FINI',
    `Chantier ${row.code} ${row.endReason} : projet BatiSimply ${project.id} ${FIN_MODE_FR[mode]}.`,
  );
}

async function reopenOne(ctx: JobContext<'batisimply'>, lookup: ProjectLookup, row: FinPending) {
  const state = row.finState as FinState;
  const project = state === 'absent' ? null : await lookup.find(row);
  if (project && !ctx.dryRun) await lookup.api.updateProject(project.id, withFlag(project, FIELD[state as 'finished' | 'archived'], false));
  if (!ctx.dryRun) await setFinState(ctx.db, row.code, null);
  ctx.report.ok(row.code, project ? 'updated' : 'unchanged');
  if (project)
    ctx.report.warn(
      row.code,
      'CHANTIER_ROUVERT',
      `Chantier ${row.code} de retour dans Batigest : projet BatiSimply ${project.id} rouvert.`,
    );
}

/** The PUT carries BatiSimply's whole object back (JHipster's update), with only the flag changed. */
function withFlag(project: Project, field: 'isFinished' | 'isArchived', value: boolean): ProjectBody {
  return { ...(project as unknown as ProjectBody), [field]: value, id: project.id };
}

/** A project by its stored id, else by code from one listing made on first need. */
class ProjectLookup {
  private byCode: Promise<Map<string, Project>> | undefined;

  constructor(readonly api: BatisimplyApi) {}

  async find(row: FinPending): Promise<Project | null> {
    const stored = row.batisimplyId !== null ? await findProject(this.api, row.batisimplyId) : null;
    if (stored) return stored;
    this.byCode ??= this.api.listProjects().then((all) => oldestProjectPerCode(all));
    return (await this.byCode).get(row.code) ?? null;
  }
}
