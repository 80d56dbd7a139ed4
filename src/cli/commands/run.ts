/** `connecteur run <job>`: run a job here (progress on stderr, report on stdout), or put it on the queue. */
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../../lib/log.js';
import type { Services } from '../../lib/services.js';
import { isJobName, JOB_NAMES, type JobName } from '../../lib/sync/registry.js';
import { withServices, type CliContext } from '../context.js';
import { EXIT, exitForReport } from '../exitCodes.js';
import { formatReport } from '../format.js';
import { cliConsole } from '../output.js';
import { onStopRequest } from '../stopRequest.js';

interface RunOptions {
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  allowMassDelete?: boolean;
  company?: string;
  queue?: boolean;
}

export function runCommand(program: Command, ctx: CliContext) {
  program
    .command('run')
    .description(`lance un job : ${JOB_NAMES.join(', ')}`)
    .argument('<job>', 'nom du job', (value: string) => {
      if (!isJobName(value)) throw new InvalidArgumentError(`job inconnu « ${value} » (attendu : ${JOB_NAMES.join(', ')})`);
      return value;
    })
    .option('--dry-run', 'calcule et rapporte chaque changement sans rien écrire')
    .option('--json', 'rapport JSON seul sur la sortie standard')
    .option('--verbose', 'affiche aussi les lignes de détail')
    .option('--allow-mass-delete', 'confirme les suppressions de créneaux retenues par recup-heures (HEURES_MASS_DELETE_MAX_RATIO)')
    .option('--company <nom>', 'la société (requis quand il y en a plusieurs)')
    .option('--queue', 'met l’exécution dans la file d’attente (AzureWebJobsStorage) au lieu de la lancer ici')
    .action(async (job: JobName, opts: RunOptions) =>
      ctx.finish(
        await withServices(ctx, { json: opts.json, job, company: opts.company }, (s) =>
          opts.queue ? enqueue(ctx, s, job, opts) : runHere(ctx, s, job, opts),
        ),
      ),
    );
}

async function enqueue(ctx: CliContext, s: Services, job: JobName, opts: RunOptions): Promise<number> {
  const [{ enqueueRun }, { requireRunQueue }] = await Promise.all([import('../../lib/queue/runs.js'), import('../../lib/queue/client.js')]);
  const request = { job, dryRun: opts.dryRun ?? false, allowMassDelete: opts.allowMassDelete ?? false, trigger: 'cli' as const };
  const { runId } = await enqueueRun(s, requireRunQueue(ctx.settings().env), request);
  const queued = { job, runId, status: 'queued', dryRun: request.dryRun, company: s.scope.company };
  ctx.out(opts.json ? JSON.stringify(queued, null, 2) : `${job} : en file d’attente (exécution ${runId}, société ${s.scope.company}).`);
  return EXIT.ok;
}

async function runHere(ctx: CliContext, s: Services, job: JobName, opts: RunOptions): Promise<number> {
  const console = cliConsole({ verbose: opts.verbose ?? false, timeZone: s.timeZone() });
  const file = ctx.settings().file;
  createLogger(console.sink).debug(`Réglages : environnement${file ? `, puis ${file}` : ''}, puis valeurs par défaut`, {
    event: 'settings',
  });
  const stop = onStopRequest(
    (text) => (console.stop(), ctx.err(text)),
    'le job s’arrête entre deux lots, enregistré interrompu (« arrêt demandé ») ; Ctrl+C encore pour quitter tout de suite.',
  );
  try {
    const { runJob } = await import('../../lib/sync/runner.js');
    const outcome = await runJob(s, job, {
      trigger: 'cli',
      dryRun: opts.dryRun ?? false,
      allowMassDelete: opts.allowMassDelete ?? false,
      log: createLogger(console.sink, { trigger: 'cli' }),
      onProgress: ({ job: step, done, total }) => console.progress(step, done, total),
      signal: stop.signal,
    });
    console.stop();
    ctx.out(opts.json ? JSON.stringify(outcome.report, null, 2) : formatReport(outcome.report));
    // Stopped as asked: its own code, whatever the report says (the run is recorded interrupted).
    if (stop.signal.aborted && outcome.report.status === 'interrupted') return EXIT.stopped;
    return exitForReport(outcome.report, outcome.fatal);
  } finally {
    stop.dispose();
    console.stop();
  }
}
