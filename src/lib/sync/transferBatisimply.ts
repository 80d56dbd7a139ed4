/**
 * `transfer-batisimply`: rows with `sync = false` → BatiSimply projects. A known project is
 * updated (its BatiSimply id is stored), an unknown code is created, with the point
 * `geocode-chantiers` found for its address.
 *
 * Never two projects for one code: a create is recorded in staging before it is sent, and once its
 * outcome is ambiguous (timeout, reset, lost answer, 5xx) no new create of the code is sent until a
 * look-up by code, made after the request could still land (its deadline plus a settle margin),
 * shows BatiSimply does not hold it. An attempt left pending by an earlier run is resolved the
 * same way before anything else is sent for its code.
 */
import pLimit from 'p-limit';
import { BatisimplyError } from '../batisimply/http.js';
import type { BatisimplyApi, Project, ProjectBody } from '../batisimply/client.js';
import { findProject } from '../batisimply/findProject.js';
import { RecordError } from '../errors.js';
import { markChantiersFailed, pendingChantiers, type StagedChantier } from '../staging/chantiers.js';
import { runsInARowWithCode } from '../staging/runs.js';
import { geocodedPoints, type GeoPoint } from './geocodeChantiers.js';
import { ProjectIndex } from './projectIndex.js';
import { ATTEMPT_LEASE_MS, PushWriter } from './pushWriter.js';
import { chantierProblem } from '../domain/chantier.js';
import type { JobContext } from './context.js';
import { toProjectBody } from '../batisimply/projectBody.js';

/** Creates sent for one chantier in one run before giving up until the next run. */
const CREATE_ATTEMPTS = 3;

interface Push {
  ctx: JobContext<'batisimply' | 'geocode'>;
  api: BatisimplyApi;
  index: ProjectIndex;
  writer: PushWriter;
  /** The HTTP concurrency slots: held only while a request is in flight. */
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
  headQuarterId: number | undefined;
  /** Geocoded points of the chantiers whose address reached the score threshold. */
  points: Map<string, GeoPoint>;
  /** How long after its attempt was recorded a create may still be applied. */
  landingMs: number;
}

type Outcome = { id: number; outcome: 'created' | 'updated' };

export async function pushChantiers(ctx: JobContext<'batisimply' | 'geocode'>): Promise<void> {
  const pending = await pendingChantiers(ctx.db);
  ctx.report.add('read', pending.length);
  if (pending.length === 0) return;

  const settings = ctx.settings.batisimply;
  const api = await ctx.services.batisimply();
  const index = new ProjectIndex(api);
  let malformed;
  try {
    malformed = await index.load();
  } catch (error) {
    // A server ignoring the paging: one cause for the whole run, said once, not once per record.
    if ((error as { code?: string }).code === 'BATISIMPLY_PAGES_REPETEES') throw error;
    // Without the list nothing can be pushed safely: each record fails with the reason.
    for (const row of pending) ctx.report.fail(row.code, error);
    if (!ctx.dryRun)
      await markChantiersFailed(
        ctx.db,
        pending.map((row) => ({ code: row.code, message: (error as Error).message })),
      );
    return;
  }
  for (const m of malformed) {
    // Keyed by code when there is one: positions move from one run to the next.
    const key = m.projectCode ? `projet BatiSimply ${m.projectCode}` : `projet BatiSimply n° ${m.position + 1}`;
    ctx.report.fail(key, new RecordError('PROJET_ILLISIBLE', `Projet n° ${m.position + 1} de la liste refusé : ${m.reason}.`));
  }
  if (index.repeated.length > 0) {
    ctx.report.warn(
      'projets BatiSimply',
      'PROJET_REPETE',
      `La liste des projets BatiSimply cite ${index.repeated.length} projet(s) deux fois (n° ${index.repeated.slice(0, 10).join(', ')}) sans avoir bougé (mêmes totaux, aucun projet manquant) : chaque projet est compté une fois, les créations se font.`,
    );
  }
  if (index.uncertain && !ctx.dryRun) await sayIfUnstableLasts(ctx);
  const headQuarterId = settings.BATISIMPLY_HEADQUARTER_ID;
  // Codes sure to be created, in the order their creates start: their attempts are recorded ahead.
  const expected =
    ctx.dryRun || index.uncertain || headQuarterId === undefined
      ? []
      : pending
          .filter((r) => r.batisimplyId === null && r.createAttemptedAt === null && !chantierProblem(r))
          .filter((r) => !index.get(r.code) && !index.unreadable.has(r.code))
          .map((r) => r.code);
  const push: Push = {
    ctx,
    api,
    index,
    writer: new PushWriter(ctx.db, { expected, lookahead: 8 * settings.BATISIMPLY_CONCURRENCY }),
    slot: pLimit(settings.BATISIMPLY_CONCURRENCY),
    headQuarterId,
    points: await geocodedPoints(ctx.db, pending, ctx.settings.geocode),
    landingMs: ATTEMPT_LEASE_MS + settings.BATISIMPLY_TIMEOUT_MS + settings.BATISIMPLY_CREATE_SETTLE_MS,
  };
  let done = 0;
  await Promise.all(
    pending.map(async (row) => {
      try {
        const { id, outcome } = await pushOne(push, row);
        if (!ctx.dryRun) push.writer.pushed({ code: row.code, revision: row.revision, batisimplyId: id });
        ctx.report.ok(row.code, outcome);
      } catch (error) {
        ctx.report.fail(row.code, error);
        if (!ctx.dryRun) push.writer.failed(row.code, (error as Error).message);
      } finally {
        ctx.progress(++done, pending.length);
      }
    }),
  );
  await push.writer.close();
}

/** Runs in a row answering LISTE_INSTABLE (this one included) from which it is said as lasting. */
export const UNSTABLE_RUNS_IN_A_ROW = 3;

/** A list that moves on every run keeps new chantiers out of BatiSimply: said in the report and for the alerts. */
async function sayIfUnstableLasts(ctx: JobContext<'batisimply' | 'geocode'>) {
  const runs = (await runsInARowWithCode(ctx.db, 'transfer-batisimply', 'LISTE_INSTABLE')) + 1;
  if (runs < UNSTABLE_RUNS_IN_A_ROW) return;
  const message = `La liste des projets BatiSimply bouge pendant sa lecture depuis ${runs} exécutions de suite : aucun nouveau chantier n’est créé tant que cela dure.`;
  ctx.report.warn('projets BatiSimply', 'LISTE_INSTABLE_PERSISTANTE', message);
  ctx.log.warn(message, { event: 'list.unstable.persistent', code: 'LISTE_INSTABLE_PERSISTANTE', runs });
}

async function pushOne(push: Push, row: StagedChantier): Promise<Outcome> {
  const problem = chantierProblem(row);
  if (problem) throw new RecordError('CHANTIER_INVALIDE', problem);
  const body = toProjectBody(row, push.headQuarterId, push.points.get(row.code));
  if (row.batisimplyId !== null || push.index.get(row.code)) {
    const known = await push.slot(async () => {
      // Deleted in BatiSimply meanwhile: found by code, or created again.
      const current = row.batisimplyId !== null ? await findProject(push.api, row.batisimplyId) : null;
      const found = current ?? push.index.get(row.code);
      return found ? await update(push, found, body) : null;
    });
    if (known) return known;
  }
  const unreadable = push.index.unreadable.get(row.code);
  if (unreadable) {
    throw new RecordError(
      'PROJET_ILLISIBLE',
      `Un projet BatiSimply porte le code ${row.code} mais est illisible (${unreadable}) : création refusée pour ne pas le doubler.`,
    );
  }
  if (push.index.uncertain) {
    throw new RecordError(
      'LISTE_INSTABLE',
      'La liste des projets BatiSimply a changé pendant sa lecture : création reportée au prochain passage.',
    );
  }
  if (!body.headQuarter) {
    throw new RecordError(
      'CONFIG_HEADQUARTER',
      'BATISIMPLY_HEADQUARTER_ID manquant : impossible de créer le projet dans BatiSimply (agence inconnue).',
    );
  }
  if (push.ctx.dryRun) return { id: -1, outcome: 'created' };
  if (row.createAttemptedAt !== null) {
    // A create sent by an earlier run may have landed since, with the body of that time.
    const landed = await resolveAttempt(push, row.code, row.createAttemptedAt, push.index.loadedFrom).catch(lookUpFailed(row.code));
    if (landed) return push.slot(() => update(push, landed, body));
  }
  return create(push, row.code, body);
}

async function create(push: Push, code: string, body: ProjectBody): Promise<Outcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await push.slot(async () => {
        // Durable before the POST leaves; recorded ahead, so this rarely waits.
        await push.writer.createAttempt(code);
        return push.api.createProject(body);
      });
      push.index.remember(created);
      return { id: created.id, outcome: 'created' };
    } catch (error) {
      if (!(error instanceof BatisimplyError) || !error.ambiguous) throw error;
      const at = Date.now();
      push.writer.ambiguous(code, at);
      const landed = await resolveAttempt(push, code, at, null).catch(lookUpFailed(code));
      if (landed) {
        push.ctx.log.warn(`Projet ${code} retrouvé après une réponse perdue`, { projectId: landed.id });
        return { id: landed.id, outcome: 'created' };
      }
      if (attempt >= CREATE_ATTEMPTS) throw error;
    }
  }
}

/**
 * The project a create sent at `sentAt` (or before) made, if BatiSimply holds it; null once a look-up
 * made after the request could still land shows nothing. `lookedUpAt`: when the latest look-up
 * already made began (null: none since the create). Waits outside the concurrency slots.
 */
async function resolveAttempt(push: Push, code: string, sentAt: number, lookedUpAt: number | null): Promise<Project | null> {
  const settled = sentAt + push.landingMs;
  if (lookedUpAt === null) {
    // Most answers are lost after the project was created: a first look at once finds it.
    const early = await push.index.lookUp(code, sentAt);
    if (early) return early;
  } else if (lookedUpAt >= settled) {
    return push.index.get(code) ?? null;
  }
  // A timer may fire a millisecond before the wall clock reaches its time: wait until it has.
  while (Date.now() < settled) await new Promise((r) => setTimeout(r, settled - Date.now()));
  return (await push.index.lookUp(code, settled)) ?? null;
}

/** The record fails with its reason; its pending attempt is resolved by the next run before any create. */
const lookUpFailed =
  (code: string) =>
  (error: unknown): never => {
    throw new RecordError(
      'CREATION_INCERTAINE',
      `Création du projet ${code} sans réponse, et la recherche par code a échoué (${(error as Error).message}) : elle sera vérifiée avant toute nouvelle création.`,
      { cause: error },
    );
  };

/** PUT carries the whole object: fields set in BatiSimply itself are kept, ours overlaid. */
async function update(push: Push, current: Project, body: ProjectBody): Promise<Outcome> {
  if (!push.ctx.dryRun) await push.api.updateProject(current.id, { ...current, ...body, id: current.id });
  return { id: current.id, outcome: 'updated' };
}
