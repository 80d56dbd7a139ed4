/**
 * Chantiers that end. `transfer` notices a staged chantier that Batigest no longer returns
 * (deleted, or its Etat left CHANTIERS_ETATS) and one that comes back; `transfer-batisimply` then
 * marks the project finished or archived in BatiSimply (CHANTIERS_FIN_MODE), or reopens it. A
 * chantier is finished only once a recup-heures that began after its end has run and every staged
 * slot of it is exported, so that the ERP has received all its hours before BatiSimply closes it.
 */
import pLimit from 'p-limit';
import type { BatigestPort, ChantierSource } from '../batigest/port.js';
import { BatisimplyError } from '../batisimply/http.js';
import type { BatisimplyApi, Project, ProjectBody } from '../batisimply/client.js';
import {
  markChantiersEnded,
  openCodesNotIn,
  pendingFins,
  reopenChantiers,
  setFinState,
  type FinPending,
  type FinState,
} from '../staging/chantierEnds.js';
import type { Queryable } from '../staging/db.js';
import type { JobContext } from './jobs.js';

const FIELD: Record<'finished' | 'archived', 'isFinished' | 'isArchived'> = { finished: 'isFinished', archived: 'isArchived' };
const WORD: Record<'finished' | 'archived', string> = { finished: 'terminé', archived: 'archivé' };

/** Part of `transfer`, inside its transaction: records which chantiers ended and which came back. */
export async function detectEndedChantiers(ctx: JobContext, tx: Queryable, batigest: BatigestPort, source: readonly ChantierSource[]) {
  const { CHANTIERS_ETATS, CHANTIERS_FIN_MODE } = ctx.services.sync();
  const seen = source.map((c) => c.code);
  const missing = await openCodesNotIn(tx, seen);
  if (missing.length > 0 && source.length === 0) {
    // An empty answer is far more often a wrong setting or an emptied database than the end of every chantier.
    ctx.report.warn(
      'chantiers',
      'AUCUN_CHANTIER',
      `Batigest ne renvoie aucun chantier : ${missing.length} chantier(s) déjà connus laissés ouverts par prudence (vérifiez CHANTIERS_ETATS).`,
    );
  } else if (missing.length > 0) {
    const etats = await batigest.readChantierEtats(missing);
    const ends = missing.map((code) => ({
      code,
      reason: etats.has(code)
        ? `Etat « ${etats.get(code) ?? ''} » hors de CHANTIERS_ETATS (${(CHANTIERS_ETATS ?? []).join(', ')})`
        : 'supprimé de Batigest',
    }));
    await markChantiersEnded(tx, ends);
    const outcome =
      CHANTIERS_FIN_MODE === 'none'
        ? 'laissé ouvert dans BatiSimply (CHANTIERS_FIN_MODE=none)'
        : `sera ${WORD[CHANTIERS_FIN_MODE]} dans BatiSimply`;
    for (const e of ends) ctx.report.warn(e.code, 'CHANTIER_FINI', `Chantier ${e.code} ${e.reason} : ${outcome}.`);
  }
  for (const code of await reopenChantiers(tx, seen)) {
    ctx.report.warn(code, 'CHANTIER_REVENU', `Chantier ${code} de retour dans Batigest : rouvert dans BatiSimply s'il y avait été fermé.`);
  }
}

/** Part of `transfer-batisimply`: tells BatiSimply which chantiers ended or came back. */
export async function finishChantiers(ctx: JobContext): Promise<void> {
  const { CHANTIERS_FIN_MODE: mode } = ctx.services.sync();
  const rows = (await pendingFins(ctx.db)).filter((r) => r.endReason === null || mode !== 'none');
  if (rows.length === 0) return;
  ctx.report.add('read', rows.length);
  const settings = await ctx.services.batisimplySettings();
  const api = await ctx.services.batisimply();
  const lookup = new ProjectLookup(api);
  const limit = pLimit(settings.BATISIMPLY_CONCURRENCY);
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

async function finishOne(ctx: JobContext, lookup: ProjectLookup, row: FinPending, mode: 'finished' | 'archived') {
  if (!row.hoursFetchedSinceEnd) {
    // Hours booked in BatiSimply but not yet fetched are pending export too: wait for a recup-heures.
    ctx.report.hold(
      row.code,
      'HEURES_A_RECUPERER',
      `Chantier ${row.code} ${row.endReason} : il sera ${WORD[mode]} dans BatiSimply après la prochaine récupération des heures (recup-heures) et leur export.`,
    );
    return;
  }
  if (row.pendingHours > 0) {
    const held = row.heldHours > 0 ? `, dont ${row.heldHours} retenue(s) : à résoudre d'abord` : '';
    ctx.report.hold(
      row.code,
      'HEURES_EN_ATTENTE',
      `Chantier ${row.code} ${row.endReason} : ${row.pendingHours} créneau(x) d'heures encore à exporter vers SuiviMO${held}. Il sera ${WORD[mode]} dans BatiSimply une fois ces heures exportées.`,
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
  ctx.report.warn(row.code, 'CHANTIER_FINI', `Chantier ${row.code} ${row.endReason} : projet BatiSimply ${project.id} ${WORD[mode]}.`);
}

async function reopenOne(ctx: JobContext, lookup: ProjectLookup, row: FinPending) {
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
    if (row.batisimplyId !== null) {
      try {
        return await this.api.getProject(row.batisimplyId);
      } catch (error) {
        if (!(error instanceof BatisimplyError && error.status === 404)) throw error;
      }
    }
    this.byCode ??= this.api.listProjects().then((all) => {
      const map = new Map<string, Project>();
      // The oldest project of a code is the one the connector keeps up to date.
      for (const p of all.sort((a, b) => a.id - b.id)) if (p.projectCode && !map.has(p.projectCode)) map.set(p.projectCode, p);
      return map;
    });
    return (await this.byCode).get(row.code) ?? null;
  }
}
