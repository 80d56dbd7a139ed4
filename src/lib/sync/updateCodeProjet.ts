/**
 * `update-code-projet`: the chantier code of staged hours whose slot carried none, from the
 * chantiers staged by `transfer` (BatiSimply id → code), else from GET /api/project/{id}.
 * A code is never invented: an unresolved slot keeps none and is held by `heures-to-sqlserver`.
 */
import pLimit from 'p-limit';
import { findProject } from '../batisimply/findProject.js';
import { chantierCodesByProjectId } from '../staging/chantiers.js';
import { setProjectCodes, slotsWithoutCode } from '../staging/heures.js';
import { inTransaction } from '../staging/transaction.js';
import type { JobContext } from './context.js';

export async function updateCodeProjet(ctx: JobContext<'batisimply'>): Promise<void> {
  const slots = await slotsWithoutCode(ctx.db);
  ctx.report.add('read', slots.length);
  if (slots.length === 0) return;

  const projectIds = [...new Set(slots.map((s) => s.idProjet))];
  const codes = await chantierCodesByProjectId(ctx.db, projectIds);
  const unknown = projectIds.filter((id) => !codes.has(id));
  if (unknown.length > 0) {
    const api = await ctx.services.batisimply();
    const limit = pLimit(ctx.settings.batisimply.BATISIMPLY_CONCURRENCY);
    await Promise.all(
      unknown.map((id) =>
        limit(async () => {
          const project = await findProject(api, id);
          const code = project?.projectCode?.trim();
          if (code) codes.set(id, code);
          else if (project) ctx.report.warn(String(id), 'PROJET_SANS_CODE', `Le projet BatiSimply ${id} n'a pas de code chantier.`);
          else ctx.report.warn(String(id), 'PROJET_INTROUVABLE', `Le projet BatiSimply ${id} est introuvable.`);
        }),
      ),
    );
  }
  const updated = await inTransaction(ctx.db, ctx.dryRun, (tx) => setProjectCodes(tx, codes));
  ctx.report.add('updated', updated);
  ctx.report.add('unchanged', slots.length - updated);
}
