/** The chantier half of the audit: Batigest's chantiers, their staged rows and BatiSimply's projects. */
import type { Project } from '../batisimply/client.js';
import type { AuditStagedChantier } from '../staging/audit.js';
import type { AuditInputs } from './read.js';
import type { Finding } from './types.js';
import type { ChantierSource } from '../domain/chantier.js';
import { toProjectBody } from '../batisimply/projectBody.js';
import { resendCommand } from '../domain/resend.js';

const flagged = (p: Project) => p.isFinished === true || p.isArchived === true;
const norm = (v: unknown) => (v === undefined || v === null || v === '' ? null : typeof v === 'string' ? v.trim() : v);
const shown = (v: unknown) => (v === null ? '(vide)' : `« ${String(v)} »`);

/** Fields of the project that differ from what the connector would send for the chantier. */
export function differingFields(c: ChantierSource, p: Project): string[] {
  const body = toProjectBody(c, undefined);
  const address = (p.address ?? {}) as Record<string, unknown>;
  const pairs: [string, unknown, unknown][] = [
    ['projectName', body.projectName, p.projectName],
    ['customerName', body.customerName, p.customerName],
    ['startEstimated', body.startEstimated, p.startEstimated],
    ['endEstimated', body.endEstimated, p.endEstimated],
    ['hoursSold', body.hoursSold, p.hoursSold],
    ['address.street', body.address?.street, address.street],
    ['address.postalCode', body.address?.postalCode, address.postalCode],
    ['address.city', body.address?.city, address.city],
  ];
  return pairs
    .filter(([, ours, theirs]) => {
      const [a, b] = [norm(ours), norm(theirs)];
      return typeof a === 'number' || typeof b === 'number'
        ? Number(a ?? NaN) !== Number(b ?? NaN) && !(a === null && b === null)
        : a !== b;
    })
    .map(([field, ours, theirs]) => `${field} : Batigest ${shown(norm(ours))}, BatiSimply ${shown(norm(theirs))}`);
}

function stagedDiffers(c: ChantierSource, s: AuditStagedChantier): boolean {
  const pairs: [unknown, unknown][] = [
    [c.libelle, s.libelle],
    [c.nomClient, s.nomClient],
    [c.dateDebut, s.dateDebut],
    [c.dateFin, s.dateFin],
    [c.adrChantier, s.adrChantier],
    [c.cpChantier, s.cpChantier],
    [c.villeChantier, s.villeChantier],
    [c.totalMo, s.totalMo],
  ];
  return pairs.some(([a, b]) => norm(a) !== norm(b));
}

export function auditChantiers(inputs: AuditInputs): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: Finding['kind'], code: string, message: string, action: string, resend = false) =>
    findings.push({
      kind,
      key: code,
      chantier: code,
      message,
      action,
      ...(resend ? { resend: { kind: 'chantier' as const, key: code } } : {}),
    });
  const again = (code: string) => `« ${resendCommand({ kind: 'chantier', key: code })} »`;
  const etats = inputs.etats;
  const staged = new Map(inputs.staging.chantiers.map((s) => [s.code, s]));
  const byCode = new Map<string, Project[]>();
  const noCode: Project[] = [];
  for (const p of [...inputs.batisimply.projects].sort((a, b) => a.id - b.id)) {
    const code = p.projectCode?.trim();
    if (code) byCode.set(code, [...(byCode.get(code) ?? []), p]);
    else noCode.push(p);
  }
  const batigestCodes = new Set(inputs.batigest.chantiers.map((c) => c.code));

  for (const c of inputs.batigest.chantiers) {
    const project = byCode.get(c.code)?.[0];
    const s = staged.get(c.code);
    if (etats && !etats.includes(c.etat ?? '')) {
      if (!project) {
        add(
          'CHANTIER_FILTRE_ETAT',
          c.code,
          `Chantier ${c.code} absent de BatiSimply : son Etat « ${c.etat ?? ''} » n'est pas dans CHANTIERS_ETATS (${etats.join(', ')}).`,
          `Rien à faire s'il est terminé ; sinon ajoutez « ${c.etat ?? ''} » à CHANTIERS_ETATS.`,
        );
      } else if (!flagged(project)) {
        findings.push(endPending(c.code, project, s, `son Etat « ${c.etat ?? ''} » n'est plus dans CHANTIERS_ETATS`));
      }
      continue;
    }
    if (!s || s.ended) {
      add(
        'CHANTIER_NON_TRANSFERE',
        c.code,
        s
          ? `Chantier ${c.code} de retour dans Batigest, encore noté terminé en staging.`
          : `Chantier ${c.code} présent dans Batigest, pas encore en staging.`,
        'Lancez « connecteur run chantiers ».',
      );
      continue;
    }
    if (!project) {
      if (s.lastError) {
        add(
          'CHANTIER_EN_ECHEC',
          c.code,
          `Chantier ${c.code} absent de BatiSimply : le dernier envoi a échoué (${s.lastError}).`,
          'Corrigez la cause indiquée, puis lancez « connecteur run transfer-batisimply ».',
        );
      } else if (!s.sync) {
        add(
          'CHANTIER_EN_ATTENTE',
          c.code,
          `Chantier ${c.code} en attente d'envoi vers BatiSimply depuis ${s.updatedAt}.`,
          'Lancez « connecteur run transfer-batisimply ».',
        );
      } else {
        add(
          'PROJET_DISPARU',
          c.code,
          `Chantier ${c.code} envoyé${s.batisimplyId ? ` (projet ${s.batisimplyId})` : ''} mais absent de BatiSimply : supprimé là-bas ?`,
          `Pour le recréer : ${again(c.code)}, puis « connecteur run transfer-batisimply ».`,
          true,
        );
      }
      continue;
    }
    const fields = differingFields(c, project);
    if (fields.length > 0) {
      const resendIt = !stagedDiffers(c, s) && s.sync;
      const action = stagedDiffers(c, s)
        ? 'Batigest a changé depuis le dernier transfert : lancez « connecteur run chantiers ».'
        : !s.sync
          ? `Envoi en attente${s.lastError ? ` (dernier échec : ${s.lastError})` : ''} : lancez « connecteur run transfer-batisimply ».`
          : `Modifié dans BatiSimply après l'envoi : corrigez-le là-bas, ou renvoyez la version Batigest (${again(c.code)}, puis « connecteur run transfer-batisimply »).`;
      add('CHAMPS_DIFFERENTS', c.code, `Chantier ${c.code}, projet BatiSimply ${project.id} : ${fields.join(' ; ')}.`, action, resendIt);
    }
  }

  for (const [code, projects] of byCode) {
    if (projects.length > 1) {
      add(
        'PROJET_EN_DOUBLE',
        code,
        `Code ${code} porté par ${projects.length} projets BatiSimply (${projects.map((p) => p.id).join(', ')}) : le connecteur tient à jour le plus ancien (${projects[0]!.id}).`,
        'Archivez les doublons dans BatiSimply après avoir vérifié qu’aucune heure n’y est saisie.',
      );
    }
    const project = projects[0]!;
    if (batigestCodes.has(code) || flagged(project)) continue;
    const s = staged.get(code);
    if (s) findings.push(endPending(code, project, s, 'supprimé de Batigest'));
    else
      add(
        'PROJET_SANS_CHANTIER',
        code,
        `Projet BatiSimply ${project.id} (${code}) sans chantier dans Batigest.`,
        'Créé directement dans BatiSimply : créez le chantier dans Batigest, ou archivez le projet.',
      );
  }
  for (const p of noCode.filter((x) => !flagged(x))) {
    findings.push({
      kind: 'PROJET_SANS_CHANTIER',
      key: `projet ${p.id}`,
      message: `Projet BatiSimply ${p.id} (« ${p.projectName ?? ''} ») sans code chantier.`,
      action: 'Renseignez son code chantier Batigest dans BatiSimply, ou archivez-le.',
    });
  }
  return findings;
}

function endPending(code: string, project: Project, s: AuditStagedChantier | undefined, why: string): Finding {
  const action = !s?.ended
    ? 'Lancez « connecteur run all » : transfer note la fin ; le projet est fermé après la récupération et l’export de ses heures.'
    : 'Lancez « connecteur run all » : le projet est fermé une fois les heures du chantier récupérées et exportées.';
  return {
    kind: 'CHANTIER_FIN_EN_ATTENTE',
    key: code,
    chantier: code,
    message: `Chantier ${code} ${why}, mais le projet BatiSimply ${project.id} est toujours ouvert.`,
    action,
  };
}
