// Mutation testing of the modules where a bug costs data (see test/mutation/README.md).
// Stryker mutates the BUILT JavaScript (dist/, from `npm run build`), so no mutant needs a
// compile; node's test runner speaks TAP, which the TAP runner reads, one test file = one test.
// With perTest coverage each mutant runs only the test files that executed its code.
const SCOPE = [
  'dist/src/lib/sync/**/*.js',
  'dist/src/lib/staging/**/*.js',
  'dist/src/lib/time.js',
  'dist/src/lib/log.js',
  'dist/src/lib/secrets.js',
  'dist/src/lib/batisimply/http.js',
  // Issue 25: settings, companies, the run queue, the audit, the exit codes (measured, see the README's table),
  // then the HTTP layer, geocoding and the dashboard's logic (in scope, not measured yet).
  'dist/src/lib/config.js',
  'dist/src/lib/companies.js',
  'dist/src/lib/companyServices.js',
  'dist/src/lib/queue/*.js',
  'dist/src/lib/audit/*.js',
  'dist/src/cli/exitCodes.js',
  'dist/src/functions/**/*.js',
  'dist/src/lib/geocode/*.js',
  'dist/src/lib/ops/*.js',
];

// The focused test command: the tests of the library layers and of the HTTP triggers. Left out:
// tests that run the code in a child process (the CLI, the bin, `connecteur serve`), where Stryker's
// hook is not loaded and so no mutant is active (their code needs an in-process test to count),
// and the browser, infra and SQL Server contract tests.
// sync/runner.test.js is in: its in-process describe blocks (stand-in steps, killed runs) pin the
// runner; its CLI cases only cost time.
// (The TAP runner's globs take no `!pattern` negation: exclusions are extglobs.)
const TEST_FILES = [
  'dist/test/lib/*.test.js',
  'dist/test/lib/batisimply/*.test.js',
  'dist/test/lib/staging/!(embedded).test.js',
  'dist/test/lib/sync/*.test.js',
  'dist/test/functions/functions.test.js',
  'dist/test/functions/inputs.test.js',
  'dist/test/functions/registration.test.js',
  'dist/test/functions/handlers/*.test.js',
  'dist/test/lib/queue/*.test.js',
  // The queue's end-to-end file: Azurite runs in a child process, the code under test in this one.
  'dist/test/queue/queue.test.js',
  'dist/test/lib/audit/*.test.js',
  'dist/test/lib/geocode/*.test.js',
  // The exit-code rule in process; exitCodes.test.js runs the CLI in a child process (invisible here).
  'dist/test/cli/exitCodes.rules.test.js',
];

// A narrower test set for a quick run of one module (comma-separated globs). Fewer tests can only
// kill fewer mutants, so the score it gives is a lower bound of the full one.
const TESTS = process.env.MUTATION_TEST_FILES ? process.env.MUTATION_TEST_FILES.split(',') : TEST_FILES;

// Two runs at once (one module each) need two report folders.
const REPORT_DIR = process.env.MUTATION_REPORT_DIR ?? 'reports/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: process.env.MUTATE ? process.env.MUTATE.split(',') : SCOPE,
  testRunner: 'tap',
  tap: {
    testFiles: TESTS,
    nodeArgs: ['--test-reporter=tap', '-r', '{{hookFile}}', '{{testFile}}'],
    // A killed test file would leave its database behind: let a failing file finish and clean up.
    forceBail: false,
  },
  coverageAnalysis: 'perTest',
  plugins: ['@stryker-mutator/tap-runner'],
  // 2 cores shared by several people: one test process at a time unless told otherwise.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 1),
  // Tests that wait on latency faults and settle waits take seconds; a mutant that loops is cut off.
  timeoutMS: 30_000,
  timeoutFactor: 2,
  // Only what the tests read is copied into Stryker's sandbox.
  ignorePatterns: ['bench', 'infra', 'examples', '.data', 'reports', 'test-output', 'dist/bench'],
  reporters: ['html', 'clear-text', 'progress', 'json'],
  htmlReporter: { fileName: `${REPORT_DIR}/index.html` },
  jsonReporter: { fileName: `${REPORT_DIR}/mutation.json` },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
