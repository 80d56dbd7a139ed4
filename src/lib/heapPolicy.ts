/**
 * How far V8 lets the heap grow between full collections, for the processes that run jobs (the CLI,
 * the Functions worker).
 *
 * On a machine with 2 GB of heap limit or more, V8 sets the next collection at up to 4× what
 * survived the last one when a program allocates fast. The jobs allocate fast and keep little: a
 * 200,000-slot import holds about 20 MB after each collection, yet with V8's default the heap reached
 * 130–200 MB and the process 290 MB. At 1.5× the import peaks at 150–180 MB whatever the window's
 * size, for a few percent more time spent collecting (docs/performance.md has the figures).
 *
 * An operator's own `--heap-growing-percent` on node's command line wins (`node --heap-growing-percent=0
 * bin/connecteur.js …`, or the Functions app setting `languageWorkers__node__arguments`); 0 restores
 * V8's default. NODE_OPTIONS does not accept this flag.
 */
import { setFlagsFromString } from 'node:v8';

/** The heap may grow by half of what the last full collection kept. */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = '--heap-growing-percent';

/** Whether node was started with the flag (V8 accepts dashes or underscores). */
const setByOperator = () => process.execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));

let applied = false;

/** Sets the process's heap growth, once; returns the percent in force, or null when the operator's flag stands. */
export function applyHeapPolicy(): number | null {
  if (setByOperator()) return null;
  if (!applied) {
    // A plain integer that V8 reads at each collection, so setting it once the process runs takes effect.
    setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
    applied = true;
  }
  return HEAP_GROWING_PERCENT;
}
