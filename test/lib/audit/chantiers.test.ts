/**
 * The chantier half of the audit and the report's text and CSV, on hand-made inputs: each kind of
 * difference, its message and action, and what the operator reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditChantiers, differingFields } from '../../../src/lib/audit/chantiers.js';
import { formatAuditCsv, formatAuditText } from '../../../src/lib/audit/format.js';
import type { AuditInputs } from '../../../src/lib/audit/read.js';
import { KIND_LABELS, type AuditReport, type Finding } from '../../../src/lib/audit/types.js';
import type { Project } from '../../../src/lib/batisimply/client.js';
import type { ChantierSource } from '../../../src/lib/domain/chantier.js';
import type { AuditStagedChantier } from '../../../src/lib/staging/audit.js';
import { chantier } from '../../support/chantiers.js';

/** The project the connector would have made for the chantier. */
function projectOf(c: ChantierSource, id: number, o: Partial<Project> = {}): Project {
  return {
    id,
    projectCode: c.code,
    projectName: c.libelle,
    customerName: c.nomClient,
    startEstimated: c.dateDebut,
    endEstimated: c.dateFin,
    hoursSold: c.totalMo,
    address: { street: c.adrChantier, postalCode: c.cpChantier, city: c.villeChantier },
    isFinished: false,
    isArchived: false,
    ...o,
  } as Project;
}

function stagedOf(c: ChantierSource, o: Partial<AuditStagedChantier> = {}): AuditStagedChantier {
  return {
    ...c,
    sync: true,
    lastError: null,
    batisimplyId: 10,
    endReason: null,
    ended: false,
    finState: null,
    updatedAt: '2026-03-02T12:00:00Z',
    ...o,
  };
}

function run(o: { chantiers?: ChantierSource[]; staged?: AuditStagedChantier[]; projects?: Project[]; etats?: string[] }): Finding[] {
  return auditChantiers({
    window: { from: '2026-03-01', to: '2026-04-01', timeZone: 'UTC' },
    batigest: { chantiers: o.chantiers ?? [], salaries: [], suiviMo: [] },
    staging: { chantiers: o.staged ?? [], slots: [] },
    batisimply: { projects: o.projects ?? [], slots: [] },
    etats: o.etats,
  } as AuditInputs);
}

const brief = (fs: Finding[]) => fs.map((f) => `${f.kind} ${f.key}`);

describe('audit chantiers', () => {
  test('a chantier staged, sent and alike in BatiSimply: no finding', () => {
    const c = chantier('CH001');
    assert.deepEqual(run({ chantiers: [c], staged: [stagedOf(c)], projects: [projectOf(c, 10)], etats: ['E'] }), []);
    // A project's code is read trimmed; blank and missing fields are alike.
    const blank = chantier('CH002', { nomClient: null, adrChantier: null, cpChantier: null, villeChantier: null, totalMo: null });
    const p = projectOf(blank, 11, { projectCode: ' CH002 ', customerName: '', hoursSold: null, address: null } as Partial<Project>);
    assert.deepEqual(run({ chantiers: [blank], staged: [stagedOf(blank)], projects: [p] }), []);
  });

  test('a chantier whose Etat is filtered out: absent is fine, still open in BatiSimply is an end to finish', () => {
    const c = chantier('CH003', { etat: 'T' });
    const absent = run({ chantiers: [c], etats: ['E', 'C'] });
    assert.deepEqual(brief(absent), ['CHANTIER_FILTRE_ETAT CH003']);
    assert.equal(absent[0]!.message, "Chantier CH003 absent de BatiSimply : son Etat « T » n'est pas dans CHANTIERS_ETATS (E, C).");
    assert.equal(absent[0]!.action, "Rien à faire s'il est terminé ; sinon ajoutez « T » à CHANTIERS_ETATS.");
    assert.equal(absent[0]!.chantier, 'CH003');

    const open = run({ chantiers: [c], staged: [stagedOf(c)], projects: [projectOf(c, 12)], etats: ['E'] });
    assert.deepEqual(brief(open), ['CHANTIER_FIN_EN_ATTENTE CH003']);
    assert.equal(
      open[0]!.message,
      "Chantier CH003 son Etat « T » n'est plus dans CHANTIERS_ETATS, mais le projet BatiSimply 12 est toujours ouvert.",
    );
    assert.match(open[0]!.action, /transfer note la fin/);
    const ended = run({ chantiers: [c], staged: [stagedOf(c, { ended: true })], projects: [projectOf(c, 12)], etats: ['E'] });
    assert.match(ended[0]!.action, /le projet est fermé une fois les heures du chantier récupérées et exportées/);
    // Closed there already (finished or archived): nothing to do.
    for (const flag of [{ isFinished: true }, { isArchived: true }])
      assert.deepEqual(run({ chantiers: [c], projects: [projectOf(c, 12, flag)], etats: ['E'] }), []);
    // No Etat at all is not in the list either.
    assert.match(run({ chantiers: [chantier('CH004', { etat: null })], etats: ['E'] })[0]!.message, /son Etat « {2}» n'est pas/);
    // No CHANTIERS_ETATS: every Etat passes.
    assert.deepEqual(brief(run({ chantiers: [c] })), ['CHANTIER_NON_TRANSFERE CH003']);
  });

  test('not staged, or back after its end: to transfer', () => {
    const c = chantier('CH004');
    const fresh = run({ chantiers: [c] })[0]!;
    assert.equal(fresh.message, 'Chantier CH004 présent dans Batigest, pas encore en staging.');
    assert.equal(fresh.action, 'Lancez « connecteur run chantiers ».');
    const back = run({ chantiers: [c], staged: [stagedOf(c, { ended: true })], projects: [projectOf(c, 1)] });
    assert.deepEqual(brief(back), ['CHANTIER_NON_TRANSFERE CH004']);
    assert.equal(back[0]!.message, 'Chantier CH004 de retour dans Batigest, encore noté terminé en staging.');
  });

  test('staged but absent from BatiSimply: failed, waiting, or deleted there', () => {
    const c = chantier('CH005');
    const failed = run({ chantiers: [c], staged: [stagedOf(c, { sync: false, lastError: 'headQuarter.id inconnu' })] })[0]!;
    assert.equal(failed.kind, 'CHANTIER_EN_ECHEC');
    assert.equal(failed.message, 'Chantier CH005 absent de BatiSimply : le dernier envoi a échoué (headQuarter.id inconnu).');
    const waiting = run({ chantiers: [c], staged: [stagedOf(c, { sync: false })] })[0]!;
    assert.equal(waiting.kind, 'CHANTIER_EN_ATTENTE');
    assert.equal(waiting.message, "Chantier CH005 en attente d'envoi vers BatiSimply depuis 2026-03-02T12:00:00Z.");
    assert.equal(waiting.resend, undefined);
    const gone = run({ chantiers: [c], staged: [stagedOf(c)] })[0]!;
    assert.equal(gone.kind, 'PROJET_DISPARU');
    assert.equal(gone.message, 'Chantier CH005 envoyé (projet 10) mais absent de BatiSimply : supprimé là-bas ?');
    assert.equal(gone.action, 'Pour le recréer : « connecteur chantiers renvoyer CH005 », puis « connecteur run transfer-batisimply ».');
    assert.deepEqual(gone.resend, { kind: 'chantier', key: 'CH005' });
    assert.equal(
      run({ chantiers: [c], staged: [stagedOf(c, { batisimplyId: null })] })[0]!.message,
      'Chantier CH005 envoyé mais absent de BatiSimply : supprimé là-bas ?',
    );
  });

  test('fields that differ: edited in BatiSimply, changed in Batigest since, or a send pending', () => {
    const c = chantier('CH007');
    const p = projectOf(c, 7, { customerName: 'Changé', hoursSold: 80 });
    const there = run({ chantiers: [c], staged: [stagedOf(c)], projects: [p] })[0]!;
    assert.equal(there.kind, 'CHAMPS_DIFFERENTS');
    assert.equal(
      there.message,
      'Chantier CH007, projet BatiSimply 7 : customerName : Batigest « Client », BatiSimply « Changé » ; hoursSold : Batigest « 120 », BatiSimply « 80 ».',
    );
    assert.match(
      there.action,
      /^Modifié dans BatiSimply après l'envoi : corrigez-le là-bas, ou renvoyez la version Batigest \(« connecteur chantiers renvoyer CH007 »/,
    );
    assert.deepEqual(there.resend, { kind: 'chantier', key: 'CH007' });

    const changed = run({ chantiers: [c], staged: [stagedOf({ ...c, nomClient: 'Ancien' })], projects: [p] })[0]!;
    assert.equal(changed.action, 'Batigest a changé depuis le dernier transfert : lancez « connecteur run chantiers ».');
    assert.equal(changed.resend, undefined);
    const pending = run({ chantiers: [c], staged: [stagedOf(c, { sync: false, lastError: 'délai dépassé' })], projects: [p] })[0]!;
    assert.equal(pending.action, 'Envoi en attente (dernier échec : délai dépassé) : lancez « connecteur run transfer-batisimply ».');
    assert.equal(pending.resend, undefined);
    assert.equal(
      run({ chantiers: [c], staged: [stagedOf(c, { sync: false })], projects: [p] })[0]!.action,
      'Envoi en attente : lancez « connecteur run transfer-batisimply ».',
    );
  });

  test('each field the connector sends is compared, numbers as numbers and text trimmed', () => {
    const c = chantier('CH001');
    assert.deepEqual(differingFields(c, projectOf(c, 1)), []);
    assert.deepEqual(differingFields(c, projectOf(c, 1, { projectName: ' Chantier CH001 ', hoursSold: '120' as unknown as number })), []);
    const all = projectOf(c, 1, {
      projectName: 'x',
      customerName: 'x',
      startEstimated: '2020-01-01',
      endEstimated: '2020-01-02',
      hoursSold: 1,
      address: { street: 'x', postalCode: 'x', city: 'x' },
    } as Partial<Project>);
    assert.deepEqual(
      differingFields(c, all).map((f) => f.split(' : ')[0]),
      [
        'projectName',
        'customerName',
        'startEstimated',
        'endEstimated',
        'hoursSold',
        'address.street',
        'address.postalCode',
        'address.city',
      ],
    );
    assert.deepEqual(differingFields({ ...c, totalMo: null }, projectOf(c, 1)), ['hoursSold : Batigest (vide), BatiSimply « 120 »']);
    assert.deepEqual(differingFields(c, projectOf(c, 1, { hoursSold: null } as Partial<Project>)), [
      'hoursSold : Batigest « 120 », BatiSimply (vide)',
    ]);
    // A staged copy that differs in any one field means Batigest changed since.
    for (const field of [
      'libelle',
      'nomClient',
      'dateDebut',
      'dateFin',
      'adrChantier',
      'cpChantier',
      'villeChantier',
      'totalMo',
    ] as const) {
      const edited = { ...c, [field]: field === 'totalMo' ? 99 : 'autre' };
      const f = run({ chantiers: [c], staged: [stagedOf(edited)], projects: [projectOf(c, 1, { customerName: 'Changé' })] })[0]!;
      assert.match(f.action, /^Batigest a changé/, field);
    }
  });

  test('projects without a chantier: made in BatiSimply, deleted from Batigest, without a code, or duplicated', () => {
    const made = projectOf(chantier('XX01'), 30, { projectName: 'Fait là-bas' });
    const f = run({ projects: [made] });
    assert.deepEqual(brief(f), ['PROJET_SANS_CHANTIER XX01']);
    assert.equal(f[0]!.message, 'Projet BatiSimply 30 (XX01) sans chantier dans Batigest.');
    const deleted = chantier('CH008');
    assert.deepEqual(brief(run({ staged: [stagedOf(deleted)], projects: [projectOf(deleted, 8)] })), ['CHANTIER_FIN_EN_ATTENTE CH008']);
    assert.match(
      run({ staged: [stagedOf(deleted)], projects: [projectOf(deleted, 8)] })[0]!.message,
      /^Chantier CH008 supprimé de Batigest, mais le projet BatiSimply 8 est toujours ouvert\.$/,
    );
    assert.deepEqual(run({ projects: [projectOf(deleted, 8, { isArchived: true })] }), []);

    const noCode = run({
      projects: [
        projectOf(chantier('X'), 40, { projectCode: '  ', projectName: 'Sans code' }),
        projectOf(chantier('Y'), 41, { projectCode: null, isFinished: true }),
      ],
    });
    assert.deepEqual(brief(noCode), ['PROJET_SANS_CHANTIER projet 40']);
    assert.equal(noCode[0]!.message, 'Projet BatiSimply 40 (« Sans code ») sans code chantier.');

    const c = chantier('CH002');
    const dup = run({ chantiers: [c], staged: [stagedOf(c)], projects: [projectOf(c, 21, { projectName: 'Doublon' }), projectOf(c, 2)] });
    assert.deepEqual(brief(dup), ['PROJET_EN_DOUBLE CH002']);
    assert.equal(dup[0]!.message, 'Code CH002 porté par 2 projets BatiSimply (2, 21) : le connecteur tient à jour le plus ancien (2).');
  });
});

describe('audit report as text and CSV', () => {
  const report = (findings: Finding[], o: Partial<AuditReport['summary']['heures']> = {}): AuditReport => ({
    generatedAt: '2026-03-31T10:00:00.000Z',
    window: { from: '2026-03-01', to: '2026-04-01', timeZone: 'Europe/Paris' },
    summary: {
      differences: findings.length,
      parType: Object.fromEntries([...new Set(findings.map((f) => f.kind))].map((k) => [k, findings.filter((f) => f.kind === k).length])),
      chantiers: { batigest: 3, staging: 2, batisimply: 4 },
      heures: { batisimply: 12.25, batigest: 17, difference: -4.75, expliquees: -4.75, inexpliquees: 0, ...o },
    },
    findings,
    totals: {
      parChantier: [
        { key: 'CH001', month: '2026-03', batisimply: 4, batigest: 4, difference: 0, expliquee: 0 },
        { key: 'CH002', month: '2026-03', batisimply: 3, batigest: 1.5, difference: 1.5, expliquee: 1.5 },
      ],
      parSalarie: [{ key: 'DUPJ', month: '2026-03', batisimply: 7, batigest: 5.5, difference: 1.5, expliquee: 1 }],
    },
  });
  const finding: Finding = {
    kind: 'SAISIE_MAIN',
    key: 'CH001|MART|2026-03-02T08:00',
    chantier: 'CH001',
    salarie: 'MART',
    date: '2026-03-02T08:00',
    heuresBatisimply: 0,
    heuresBatigest: 7,
    message: 'Ligne « a; b »',
    action: '=HYPERLINK("x")',
  };

  test('the text: a summary, each difference with its action, the months where the sides differ', () => {
    const text = formatAuditText(report([finding, { ...finding, key: 'k2' }], { inexpliquees: 1.005 }));
    assert.equal(
      text,
      [
        'Audit Batigest ⇄ staging ⇄ BatiSimply du 2026-03-01 au 2026-04-01 (exclu), heures de Europe/Paris',
        'Chantiers : 3 dans Batigest, 2 en staging, 4 projets BatiSimply.',
        'Heures validées BatiSimply : 12,25 h ; SuiviMO : 17 h ; écart -4,75 h, expliqué -4,75 h.',
        'Heures inexpliquées : 1,01',
        '2 différence(s) :',
        '     2  saisies à la main dans SuiviMO',
        '',
        'Détail :',
        '• [SAISIE_MAIN] Ligne « a; b »',
        '    → =HYPERLINK("x")',
        '• [SAISIE_MAIN] Ligne « a; b »',
        '    → =HYPERLINK("x")',
        '',
        'Par chantier (mois où les deux côtés diffèrent) :',
        '  CH002        2026-03  BatiSimply 3 h, SuiviMO 1,5 h, écart 1,5 h, expliqué 1,5 h',
        '',
        'Par salarié (mois où les deux côtés diffèrent) :',
        '  DUPJ         2026-03  BatiSimply 7 h, SuiviMO 5,5 h, écart 1,5 h, expliqué 1 h',
      ].join('\n'),
    );
  });

  test('no difference: said in one line, no detail, no month listed', () => {
    const r = report([]);
    r.totals = {
      parChantier: [{ key: 'CH001', month: '2026-03', batisimply: 4, batigest: 4.005, difference: -0.005, expliquee: 0 }],
      parSalarie: [],
    };
    const text = formatAuditText(r);
    assert.match(text, /\nAucune différence\.$/);
  });

  test('the CSV: one line per difference, cells a spreadsheet keeps as text, quoted where needed', () => {
    const csv = formatAuditCsv(report([finding, { ...finding, key: '-3', message: '+33 6', action: '@x\nsuite', heuresBatigest: -1.5 }]));
    assert.equal(
      csv,
      [
        'type;libelle;cle;chantier;salarie;date;heures_batisimply;heures_batigest;explication;action',
        'SAISIE_MAIN;saisies à la main dans SuiviMO;CH001|MART|2026-03-02T08:00;CH001;MART;2026-03-02T08:00;0;7;"Ligne « a; b »";"\'=HYPERLINK(""x"")"',
        'SAISIE_MAIN;saisies à la main dans SuiviMO;-3;CH001;MART;2026-03-02T08:00;0;-1.5;\'+33 6;"\'@x\nsuite"',
        '',
      ].join('\r\n'),
    );
    // Missing cells are empty, not "undefined".
    const bare = formatAuditCsv(report([{ kind: 'PROJET_SANS_CHANTIER', key: 'projet 4', message: 'm', action: 'a' }]));
    assert.equal(bare.split('\r\n')[1], 'PROJET_SANS_CHANTIER;projets BatiSimply sans chantier Batigest;projet 4;;;;;;m;a');
    for (const lead of ['\t', '\r'])
      assert.equal(
        formatAuditCsv(report([{ ...finding, message: `${lead}x` }]))
          .split('\r\n')[1]!
          .split(';')[8],
        lead === '\r' ? `"'\rx"` : `'${lead}x`,
      );
  });
});

describe('audit: what each finding tells the operator to do', () => {
  test('each kind has its own French label in the summary', () => {
    const labels = Object.values(KIND_LABELS);
    assert.equal(Object.keys(KIND_LABELS).length, 20);
    assert.ok(
      labels.every((l) => /^(chantiers|projets|codes|créneaux|lignes|saisies) /.test(l)),
      JSON.stringify(labels),
    );
    assert.equal(new Set(labels).size, labels.length);
  });

  test('the actions of chantier findings', () => {
    const c = chantier('CH005');
    assert.equal(
      run({ chantiers: [c], staged: [stagedOf(c, { sync: false, lastError: 'x' })] })[0]!.action,
      'Corrigez la cause indiquée, puis lancez « connecteur run transfer-batisimply ».',
    );
    assert.equal(
      run({ chantiers: [c], staged: [stagedOf(c, { sync: false })] })[0]!.action,
      'Lancez « connecteur run transfer-batisimply ».',
    );
    const made = run({ projects: [projectOf(chantier('XX01'), 30)] })[0]!;
    assert.equal(made.action, 'Créé directement dans BatiSimply : créez le chantier dans Batigest, ou archivez le projet.');
    const dup = run({ chantiers: [c], staged: [stagedOf(c)], projects: [projectOf(c, 2), projectOf(c, 3)] })[0]!;
    assert.equal(dup.action, 'Archivez les doublons dans BatiSimply après avoir vérifié qu’aucune heure n’y est saisie.');
    const noCode = run({ projects: [projectOf(chantier('X'), 40, { projectCode: null, projectName: null } as Partial<Project>)] })[0]!;
    assert.equal(noCode.message, 'Projet BatiSimply 40 («  ») sans code chantier.');
    assert.equal(noCode.action, 'Renseignez son code chantier Batigest dans BatiSimply, ou archivez-le.');
    const noEtat = run({ chantiers: [chantier('CH006', { etat: null })], etats: ['E'] })[0]!;
    assert.equal(noEtat.action, "Rien à faire s'il est terminé ; sinon ajoutez «  » à CHANTIERS_ETATS.");
  });

  test('a chantier filtered out by its Etat, never staged, whose project is still open', () => {
    const c = chantier('CH010', { etat: null });
    const [f] = run({ chantiers: [c], projects: [projectOf(c, 5)], etats: ['E'] });
    assert.equal(f!.kind, 'CHANTIER_FIN_EN_ATTENTE');
    assert.equal(
      f!.message,
      "Chantier CH010 son Etat «  » n'est plus dans CHANTIERS_ETATS, mais le projet BatiSimply 5 est toujours ouvert.",
    );
    assert.match(f!.action, /transfer note la fin/);
  });

  test('an address without a street is alike a project whose street is empty', () => {
    const c = chantier('CH011', { adrChantier: null });
    assert.deepEqual(
      differingFields(c, projectOf(c, 1, { address: { street: null, postalCode: '34000', city: 'Montpellier' } } as Partial<Project>)),
      [],
    );
  });

  test('the text lists a month off by a hundredth of an hour; the CSV leaves null cells empty', () => {
    const r: AuditReport = {
      generatedAt: 'g',
      window: { from: '2026-03-01', to: '2026-04-01', timeZone: 'UTC' },
      summary: {
        differences: 1,
        parType: { SAISIE_MAIN: 1 },
        chantiers: { batigest: 0, staging: 0, batisimply: 0 },
        heures: { batisimply: 0, batigest: 0.01, difference: -0.01, expliquees: -0.01, inexpliquees: 0 },
      },
      findings: [{ kind: 'SAISIE_MAIN', key: 'k', salarie: null as unknown as string, message: 'm', action: 'a' }],
      totals: {
        parChantier: [{ key: 'CH001', month: '2026-03', batisimply: 0, batigest: 0.01, difference: -0.01, expliquee: -0.01 }],
        parSalarie: [],
      },
    };
    assert.match(formatAuditText(r), /\n {2}CH001 {8}2026-03 {2}BatiSimply 0 h, SuiviMO 0,01 h, écart -0,01 h, expliqué -0,01 h$/);
    assert.equal(formatAuditCsv(r).split('\r\n')[1], 'SAISIE_MAIN;saisies à la main dans SuiviMO;k;;;;;;m;a');
  });
});
