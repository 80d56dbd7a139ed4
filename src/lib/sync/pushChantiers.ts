/**
 * `transfer-batisimply`: rows with `sync = false` → BatiSimply projects. A known project is
 * updated (its BatiSimply id is stored), an unknown code is created; after an ambiguous failure
 * the code is looked up again before any new create, so a project is never created twice.
 */
import pLimit from 'p-limit';
import { BatisimplyError } from '../batisimply/http.js';
import type { BatisimplyApi, Project, ProjectBody } from '../batisimply/client.js';
import { RecordError } from '../errors.js';
import { markChantierFailed, markChantierPushed, pendingChantiers, type StagedChantier } from '../staging/chantiers.js';
import { chantierProblem, toProjectBody } from './chantierRules.js';
import { finishChantiers } from './finishChantiers.js';
import { geocodeChantiers } from '../geocode/geocodeChantiers.js';
import type { JobContext } from './jobs.js';

/** Creates tried for one chantier before giving up until the next run. */
const CREATE_ATTEMPTS = 3;
/** After an ambiguous create, how long a request still in flight is given to land before the look-up. */
const SETTLE_MAX_MS = 5_000;

export async function pushChantiers(ctx: JobContext): Promise<void> {
  await finishChantiers(ctx);
  const pending = await pendingChantiers(ctx.db);
  ctx.report.add('read', pending.length);
  if (pending.length === 0) return;

  const settings = await ctx.services.batisimplySettings();
  const api = await ctx.services.batisimply();
  const projects = new ProjectIndex(api);
  const points = await geocodeChantiers(ctx, pending);
  const limit = pLimit(settings.BATISIMPLY_CONCURRENCY);
  const settleMs = Math.min(settings.BATISIMPLY_TIMEOUT_MS, SETTLE_MAX_MS);
  let done = 0;

  await Promise.all(
    pending.map((row) =>
      limit(async () => {
        try {
          const problem = chantierProblem(row);
          if (problem) throw new RecordError('CHANTIER_INVALIDE', problem);
          const body = toProjectBody(row, settings.BATISIMPLY_HEADQUARTER_ID, points.get(row.code));
          const { id, outcome } = await pushOne(ctx, api, projects, row, body, settleMs);
          if (!ctx.dryRun) await markChantierPushed(ctx.db, row.code, row.revision, id);
          ctx.report.ok(row.code, outcome);
        } catch (error) {
          ctx.report.fail(row.code, error);
          if (!ctx.dryRun) await markChantierFailed(ctx.db, row.code, (error as Error).message).catch(() => {});
        } finally {
          ctx.progress(++done, pending.length);
        }
      }),
    ),
  );
}

async function pushOne(
  ctx: JobContext,
  api: BatisimplyApi,
  projects: ProjectIndex,
  row: StagedChantier,
  body: ProjectBody,
  settleMs: number,
): Promise<{ id: number; outcome: 'created' | 'updated' }> {
  if (row.batisimplyId !== null) {
    const current = await getIfExists(api, row.batisimplyId);
    if (current) return { id: await update(ctx, api, current, body), outcome: 'updated' };
  }
  const known = await projects.find(row.code);
  if (known) return { id: await update(ctx, api, known, body), outcome: 'updated' };
  if (!body.headQuarter) {
    throw new RecordError(
      'CONFIG_HEADQUARTER',
      'BATISIMPLY_HEADQUARTER_ID manquant : impossible de créer le projet dans BatiSimply (agence inconnue).',
    );
  }
  if (ctx.dryRun) return { id: -1, outcome: 'created' };
  return { id: await create(ctx, api, projects, body, settleMs), outcome: 'created' };
}

async function getIfExists(api: BatisimplyApi, id: number): Promise<Project | null> {
  try {
    return await api.getProject(id);
  } catch (error) {
    // Deleted in BatiSimply meanwhile: find it by code, or create it again.
    if (error instanceof BatisimplyError && error.status === 404) return null;
    throw error;
  }
}

/** PUT carries the whole object: fields set in BatiSimply itself are kept, ours overlaid. */
async function update(ctx: JobContext, api: BatisimplyApi, current: Project, body: ProjectBody): Promise<number> {
  if (!ctx.dryRun) await api.updateProject(current.id, { ...current, ...body, id: current.id });
  return current.id;
}

async function create(ctx: JobContext, api: BatisimplyApi, projects: ProjectIndex, body: ProjectBody, settleMs: number): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await api.createProject(body);
      projects.remember(created);
      return created.id;
    } catch (error) {
      if (!(error instanceof BatisimplyError) || !error.ambiguous) throw error;
      // The create may have been applied although its answer was lost, or may still be on its way
      // (a timed-out request can be processed late): give it time to land, then look before trying again.
      await new Promise((r) => setTimeout(r, settleMs));
      const found = await projects.find(body.projectCode, { refresh: true });
      if (found) {
        ctx.log.warn(`Projet ${body.projectCode} retrouvé après une réponse perdue`, { projectId: found.id });
        return found.id;
      }
      if (attempt >= CREATE_ATTEMPTS) throw error;
    }
  }
}

/** BatiSimply's projects by code, fetched once per run (and again after an ambiguous create). */
class ProjectIndex {
  private byCode: Promise<Map<string, Project>> | undefined;

  constructor(private readonly api: BatisimplyApi) {}

  async find(code: string, options: { refresh?: boolean } = {}): Promise<Project | undefined> {
    if (!this.byCode || options.refresh) this.byCode = this.load();
    return (await this.byCode).get(code);
  }

  remember(project: Project) {
    void this.byCode?.then((m) => project.projectCode && m.set(project.projectCode, project));
  }

  private async load(): Promise<Map<string, Project>> {
    const map = new Map<string, Project>();
    // Duplicates left by the earlier tool: the oldest project (lowest id) is the one kept up to date.
    for (const p of (await this.api.listProjects()).sort((a, b) => a.id - b.id)) {
      if (p.projectCode && !map.has(p.projectCode)) map.set(p.projectCode, p);
    }
    return map;
  }
}
