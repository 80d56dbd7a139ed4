/**
 * A process for test/lib/heapPolicy.test.ts: loads one entry point (or nothing), then allocates
 * like an import (pages of small objects, a few kept) so that V8 sets its heap limit several times.
 * Run under --trace-gc-verbose: the test reads the growth factor V8 printed for each limit.
 */
import { installFakeFunctionsCore } from './functionsCore.js';

const entry = process.argv[2];
if (entry === 'policy') {
  const { applyHeapPolicy } = await import('../../src/lib/heapPolicy.js');
  console.log(`applied ${applyHeapPolicy()}`);
} else if (entry === 'cli') {
  const { main } = await import('../../src/cli/main.js');
  await main(['--version']);
} else if (entry === 'functions') {
  installFakeFunctionsCore();
  await import(`../../src/functions/${process.argv[3]}.js`);
}

const kept: unknown[] = [];
for (let i = 0; i < 1_600; i++) kept[i % 60] = Array.from({ length: 5_000 }, (_, k) => ({ k, s: `créneau ${k}` }));
console.log(`kept ${kept.length}`);
