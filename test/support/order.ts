/**
 * A seeded shuffle of a suite's tests: node 20 and 22's runner has no randomised order
 * (`--test-randomize` came later), and tests that pass only in the written order share state.
 */
import { randomBytes } from 'node:crypto';
import { prng } from '../chaos/prng.js';

/** The seed from `variable` (to replay an order), else a fresh one. */
export function orderSeed(variable: string, env: Record<string, string | undefined> = process.env): number {
  const given = env[variable]?.trim();
  if (!given) return randomBytes(4).readUInt32BE();
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`${variable}: an integer from 0 to 4294967295 expected`);
  return seed;
}

/** Fisher–Yates with mulberry32: the same seed gives the same order. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
