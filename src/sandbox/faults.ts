/**
 * Fault injection for the sandbox: per route, a number of upcoming requests (`times`) or a share
 * of them (`rate`) get a 429 with Retry-After, a 500/503, an HTML page, latency, a connection
 * reset, a lost response after a successful write, an echo of the posted form in a 401 (token
 * endpoint), or an empty list.
 */
import * as z from 'zod';

export const faultRuleSchema = z.object({
  /** "METHOD /path" as routed, e.g. "POST /api/project", "GET /api/project/{id}", "POST /token"; "*" for all. */
  route: z.string().min(1),
  fault: z.enum([
    '429',
    '500',
    '503',
    'html',
    'latency',
    'reset',
    'lost-response',
    // A gateway holding a write `latencyMs` (longer than the client waits), then applying it.
    'delayed-apply',
    // The project list understates `totalPages`/`totalElements` as if its first page were all.
    'lying-paging',
    // A token endpoint that answers 401 with the posted form in its body (secrets included).
    'echo-form',
    // 200 with an empty list: an outage, an expired subscription or a wrong account looks like this.
    'empty',
    // Project list: a server ignoring `page` and `size`, the whole list on every page.
    'repeat-page',
    // Project list: each page after the first starts again with the last project of the one before (totals unchanged).
    'repeat-item',
    // Project list: as if a project was added at the front while the pages were read (shifted items, totals grown).
    'moving-list',
    // Project list: the page object without its `elements` (the list under another name).
    'no-elements',
    // Slot list: the first slot's startDate on a day that does not exist (30 February).
    'impossible-date',
  ]),
  times: z.number().int().positive().optional(),
  rate: z.number().min(0).max(1).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  latencyMs: z.number().int().min(0).optional(),
  /** `delayed-apply`: hold the write until released (`POST /__admin/release-writes`) instead of for `latencyMs`. */
  release: z.literal('manual').optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

export class FaultPlan {
  private rules: (FaultRule & { remaining?: number })[] = [];

  constructor(private readonly random: () => number = Math.random) {}

  add(rules: FaultRule[]) {
    for (const rule of rules) this.rules.push({ ...rule, remaining: rule.times });
  }

  clear() {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ remaining, ...rule }) => ({ ...rule, times: remaining }));
  }

  /** The fault to apply to this request, if any; a `times` rule is used up as it fires. */
  next(route: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.remaining !== undefined) {
        if (rule.remaining <= 0) continue;
        rule.remaining--;
        return rule;
      }
      if (this.random() < (rule.rate ?? 1)) return rule;
    }
    return undefined;
  }
}
