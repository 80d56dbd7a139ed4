/**
 * The campaign's cases for the guards merged after it was written: a create the gateway applies
 * after the client gave up (never a second project for the code), a project list whose totals lie
 * (paged to the end, never a create for a project it hid), and the mass-deletion guard (a window
 * answered empty deletes nothing; a real mass deletion waits for --allow-mass-delete).
 */
import type { SandboxProject } from '../../src/sandbox/state.js';
import { attempt, note } from './table.js';
import { chantierCode, type ChaosWorld, SLOTS, until } from './world.js';

const ROUNDS = 4;
/** Chantiers pushed through the delayed-apply gateway. */
const DELAYED_CHANTIERS = 36;
/** The gateway's hold, longer than the client's timeout; the settle margin covers the rest. */
const HOLD_MS = 1_000;
const CLIENT_TIMEOUT_MS = 300;
const SETTLE_MS = 1_500;
/** The sandbox caps pages at 50: the project list spans two pages of which the totals admit one. */
const OTHER_PROJECTS = 60;
const EXISTING = 10;
const NEW = 10;
const MASS_KEY = 'SUPPRESSION_MASSIVE_RETENUE';

/** Error and warning codes of a `--json` run report (a chain's steps included). */
function reportCodes(stdout: string): { status: string; codes: string[] } {
  type Report = { status: string; errors?: { code: string }[]; warnings?: { code: string }[]; steps?: Report[] };
  const report = JSON.parse(stdout) as Report;
  const codes = (r: Report): string[] =>
    [...(r.errors ?? []), ...(r.warnings ?? [])].map((e) => e.code).concat((r.steps ?? []).flatMap(codes));
  return { status: report.status, codes: codes(report) };
}

async function deletedSlots(w: ChaosWorld): Promise<number> {
  const { rows } = await w.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM batigest_heures WHERE deleted_at IS NOT NULL');
  return rows[0]!.n;
}

/** A run the guard must hold: partial, SUPPRESSION_MASSIVE_RETENUE, nothing marked deleted. */
async function expectHeld(w: ChaosWorld, label: string): Promise<{ problems: string[]; deleted: number }> {
  const run = await w.cli(label, ['run', 'recup-heures', '--json']);
  const problems: string[] = [];
  const { status, codes } = reportCodes(run.stdout);
  if (run.code === 0) problems.push(`${label} : code de sortie 0`);
  if (status !== 'partial') problems.push(`${label} : statut « ${status} » au lieu de « partial »`);
  if (!codes.includes(MASS_KEY)) problems.push(`${label} : pas de ${MASS_KEY} (${codes.join(', ') || 'aucun code'})`);
  const deleted = await deletedSlots(w);
  if (deleted > 0) problems.push(`${label} : ${deleted}/${SLOTS} créneaux marqués supprimés`);
  return { problems, deleted };
}

export async function delayedApplyCase(w: ChaosWorld) {
  const name = 'création appliquée après abandon du client à 20 %';
  await attempt(name, async () => {
    await w.reset({ chantiers: DELAYED_CHANTIERS });
    const before = { ...w.sandbox.delayedWrites };
    w.settings({ BATISIMPLY_TIMEOUT_MS: String(CLIENT_TIMEOUT_MS), BATISIMPLY_CREATE_SETTLE_MS: String(SETTLE_MS) });
    w.faults([{ route: 'POST /api/project', fault: 'delayed-apply', rate: 0.2, latencyMs: HOLD_MS }]);
    const rounds = await w.converge('retenue', 'transfer-batisimply', ROUNDS);
    w.faults([]);
    // Every held write has landed (or never will): only now is a duplicate sure to show.
    await until('écritures retenues appliquées', async () => w.sandbox.delayedWrites.held === 0 && w.sandbox.inFlight === 0);
    const applied = w.sandbox.delayedWrites.applied - before.applied;
    const problems = await w.differences({ chantiers: true, heures: false });
    if (!rounds) problems.unshift(`transfer-batisimply sans succès en ${ROUNDS} exécutions`);
    if (applied === 0) problems.push("aucune création retenue : le cas n'a rien éprouvé");
    note(
      name,
      `${applied} création(s) appliquée(s) après abandon, ${DELAYED_CHANTIERS} chantiers, convergé en ${rounds ?? '∞'} exécution(s)`,
    );
    return problems;
  });
}

export async function lyingPagingCase(w: ChaosWorld) {
  const name = 'pagination mensongère (totaux sous-estimés)';
  await attempt(name, async () => {
    const project = (id: number, projectCode: string): SandboxProject => ({ id, projectCode, projectName: `Projet ${projectCode}` });
    const others = Array.from({ length: OTHER_PROJECTS }, (_, i) => project(i + 1, `AUTRE${String(i + 1).padStart(3, '0')}`));
    // The chantiers BatiSimply already holds come after the first page, where lying totals hide them.
    const existing = Array.from({ length: EXISTING }, (_, i) => project(OTHER_PROJECTS + i + 1, chantierCode(i + 1)));
    await w.reset({ chantiers: EXISTING + NEW, projects: [...others, ...existing] });
    w.faults([{ route: 'GET /api/project', fault: 'lying-paging' }]);
    const rounds = await w.converge('pagination', 'transfer-batisimply', 2);
    w.faults([]);
    await until('requêtes en cours au bac à sable', async () => w.sandbox.inFlight === 0);
    const problems = await w.differences({ chantiers: true, heures: false, otherProjects: OTHER_PROJECTS });
    if (!rounds) problems.unshift('transfer-batisimply sans succès en 2 exécutions');
    for (const p of existing) {
      if (w.sandbox.state.projects.get(p.id)?.projectName === p.projectName)
        problems.push(`projet existant ${p.projectCode} non mis à jour`);
    }
    note(name, `${w.sandbox.count('GET /api/project')} lecture(s) de page pour ${OTHER_PROJECTS + EXISTING} projets existants`);
    return problems;
  });
}

export async function emptyWindowCase(w: ChaosWorld) {
  const name = 'fenêtre de réponses vides';
  await attempt(name, async () => {
    await w.reset();
    const problems: string[] = [];
    if (!(await w.converge('vide', 'recup-heures', 1))) problems.push('première récupération en échec');
    w.faults([{ route: 'GET /api/timeSlotManagement/allUsers', fault: 'empty' }]);
    const held = await expectHeld(w, 'pendant la panne');
    problems.push(...held.problems);
    w.faults([]);
    if (!(await w.converge('vide', 'recup-heures', 2))) problems.push('récupération en échec après la panne');
    problems.push(...(await w.differences({ chantiers: false, heures: true })));
    note(name, `${held.deleted}/${SLOTS} créneaux marqués supprimés pendant la panne`);
    return problems;
  });
}

/** Most slots really deleted in BatiSimply: held like an outage, applied once confirmed. */
export async function massDeleteCase(w: ChaosWorld) {
  const name = 'suppression massive réelle (--allow-mass-delete)';
  await attempt(name, async () => {
    await w.reset();
    const problems: string[] = [];
    if (!(await w.converge('massive', 'recup-heures', 1))) problems.push('première récupération en échec');
    const gone = [...w.sandbox.state.timeSlots.keys()].slice(0, SLOTS - 4);
    for (const id of gone) w.sandbox.state.timeSlots.delete(id);
    problems.push(...(await expectHeld(w, 'sans confirmation')).problems);
    if (!(await w.converge('massive', 'recup-heures', 1, ['--allow-mass-delete']))) problems.push('--allow-mass-delete en échec');
    const deleted = await deletedSlots(w);
    if (deleted !== gone.length) problems.push(`${deleted} créneaux marqués supprimés au lieu de ${gone.length}`);
    // The next ordinary run finds nothing more to delete and succeeds.
    if (!(await w.converge('massive', 'recup-heures', 1))) problems.push('exécution suivante en échec');
    problems.push(...(await w.differences({ chantiers: false, heures: true })));
    note(name, `${deleted}/${SLOTS} créneaux supprimés après confirmation`);
    return problems;
  });
}
