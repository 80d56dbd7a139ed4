// The layers of src/ (README, "Architecture"): every import points downwards.
//   entry points   src/functions, src/cli (cli may mount functions' handlers), src/sandbox (a tool of its own)
//   operations     src/lib/ops, src/lib/agent
//   runs           src/lib/queue
//   jobs           src/lib/sync, src/lib/audit (read-only; never a job's module)
//   services       src/lib/services.ts, src/lib/companyServices.ts
//   adapters       src/lib/{batigest,staging,batisimply,geocode}: one outside system each, never each other
//   base           src/lib/*.ts (config, companies, errors, log, time, retry, secrets, heapPolicy)
//   domain         src/lib/domain: records, statuses, codes and pure rules; imports nothing else
const ADAPTERS = '(batigest|staging|batisimply|geocode)';
const BASE = '^src/lib/(?!services\\.ts|companyServices\\.ts)[^/]+\\.ts$';
const ABOVE_BASE = `^src/lib/(${ADAPTERS.slice(1, -1)}|sync|audit|queue|ops|agent)/|^src/lib/(services|companyServices)\\.ts$|^src/(functions|cli|sandbox)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'An import cycle, even of types only, hides which module comes first.', from: {}, to: { circular: true } },
    {
      name: 'domain-is-a-leaf',
      severity: 'error',
      comment: 'The domain holds the shared records and rules: every layer may import it, it imports none of them.',
      from: { path: '^src/lib/domain/' },
      to: { path: '^src/', pathNot: '^src/lib/domain/' },
    },
    {
      name: 'base-below-everything',
      severity: 'error',
      comment: 'Settings, errors, logs, time and retries know no outside system, job or entry point.',
      from: { path: BASE },
      to: { path: ABOVE_BASE },
    },
    {
      name: 'adapters-apart',
      severity: 'error',
      comment: 'An adapter speaks to one outside system; what two adapters share belongs in the domain.',
      from: { path: `^src/lib/${ADAPTERS}/` },
      to: { path: `^src/lib/${ADAPTERS}/`, pathNot: '^src/lib/$1/' },
    },
    {
      name: 'adapters-below-services',
      severity: 'error',
      from: { path: `^src/lib/${ADAPTERS}/` },
      to: { path: '^src/lib/(sync|audit|queue|ops|agent)/|^src/lib/(services|companyServices)\\.ts$|^src/(functions|cli|sandbox)/' },
    },
    {
      name: 'services-below-jobs',
      severity: 'error',
      from: { path: '^src/lib/(services|companyServices)\\.ts$' },
      to: { path: '^src/lib/(sync|audit|queue|ops|agent)/|^src/(functions|cli|sandbox)/' },
    },
    {
      name: 'jobs-below-runs',
      severity: 'error',
      comment: 'Jobs and the audit are used by the queue and operations, never the reverse; the audit borrows nothing from a job.',
      from: { path: '^src/lib/(sync|audit)/' },
      to: { path: '^src/lib/(queue|ops|agent)/|^src/(functions|cli|sandbox)/' },
    },
    {
      name: 'audit-apart-from-jobs',
      severity: 'error',
      comment: 'A rule both the jobs and the audit apply lives in the domain.',
      from: { path: '^src/lib/audit/' },
      to: { path: '^src/lib/sync/' },
    },
    {
      name: 'jobs-apart-from-audit',
      severity: 'error',
      from: { path: '^src/lib/sync/' },
      to: { path: '^src/lib/audit/' },
    },
    {
      name: 'queue-below-operations',
      severity: 'error',
      from: { path: '^src/lib/queue/' },
      to: { path: '^src/lib/(ops|agent)/|^src/(functions|cli|sandbox)/' },
    },
    {
      name: 'operations-below-entry-points',
      severity: 'error',
      from: { path: '^src/lib/(ops|agent)/' },
      to: { path: '^src/(functions|cli|sandbox)/' },
    },
    {
      name: 'functions-below-cli',
      severity: 'error',
      comment: 'The CLI mounts the Functions handlers (serve); the handlers know nothing of the CLI.',
      from: { path: '^src/functions/' },
      to: { path: '^src/(cli|sandbox)/' },
    },
    {
      name: 'sandbox-apart',
      severity: 'error',
      comment: 'The sandbox is a BatiSimply of its own: it shares the base and the domain, never the connector.',
      from: { path: '^src/sandbox/' },
      to: { path: '^src/(functions|cli)/|^src/lib/(?!domain/|geocode/address\\.ts$|errors\\.ts$|log\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
