/**
 * The sandbox's in-memory BatiSimply: projects, time slots, OAuth clients and users, tokens.
 * Seeded from a JSON file; no persistence (a restart starts from the seed again).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxAddress } from './geocoder.js';

export interface SandboxProject {
  id: number;
  projectCode: string;
  projectName: string;
  [field: string]: unknown;
}

export interface SandboxTimeSlot {
  id: number | string;
  startDate: string;
  endDate: string;
  user: { id: string; firstName?: string; lastName?: string };
  project: { id: number; projectCode?: string } | null;
  managementStatus: string;
  totalTimeMinutes: number;
  hasPackedLunch: boolean;
  hasHomeToWorkJourney: boolean;
  [field: string]: unknown;
}

export interface SandboxSeed {
  clients?: { clientId: string; clientSecret?: string }[];
  users?: { username: string; password: string }[];
  headQuarters?: number[];
  projects?: SandboxProject[];
  timeSlots?: SandboxTimeSlot[];
  /** Addresses the sandbox geocoder knows (see geocoder.ts). */
  addresses?: SandboxAddress[];
}

export const DEFAULT_SEED: Required<Pick<SandboxSeed, 'clients' | 'users' | 'headQuarters'>> = {
  clients: [{ clientId: 'bridge-data', clientSecret: 'sandbox-secret' }],
  users: [{ username: 'demo', password: 'demo' }],
  headQuarters: [1],
};

export class SandboxState {
  clients = new Map<string, string | undefined>();
  users = new Map<string, string>();
  headQuarters = new Set<number>();
  projects = new Map<number, SandboxProject>();
  timeSlots = new Map<string, SandboxTimeSlot>();
  private tokens = new Map<string, number>();
  private nextProjectId = 1;
  /**
   * Parsed start of each start text seen. Keyed by the text, not the slot, so that a slot edited in
   * place is still found by its new start. Without it, each listing parsed every slot's date: with
   * 200,000 slots the sandbox, not the connector, was what the import benchmark measured.
   */
  private readonly parsedStarts = new Map<string, number>();

  constructor(
    seed: SandboxSeed = {},
    private readonly now: () => number = Date.now,
  ) {
    this.load(seed);
  }

  load(seed: SandboxSeed) {
    this.clients = new Map((seed.clients ?? DEFAULT_SEED.clients).map((c) => [c.clientId, c.clientSecret]));
    this.users = new Map((seed.users ?? DEFAULT_SEED.users).map((u) => [u.username, u.password]));
    this.headQuarters = new Set(seed.headQuarters ?? DEFAULT_SEED.headQuarters);
    this.projects = new Map((seed.projects ?? []).map((p) => [p.id, structuredClone(p)]));
    this.timeSlots = new Map(
      (seed.timeSlots ?? []).map((s) => [
        String(s.id),
        { ...structuredClone(s), startDate: resolveSeedDate(s.startDate, this.now()), endDate: resolveSeedDate(s.endDate, this.now()) },
      ]),
    );
    this.tokens.clear();
    this.parsedStarts.clear();
    this.nextProjectId = Math.max(0, ...this.projects.keys()) + 1;
  }

  /** A slot's start, in epoch milliseconds. */
  startMs(slot: SandboxTimeSlot): number {
    let t = this.parsedStarts.get(slot.startDate);
    if (t === undefined) {
      // Bounded by the distinct starts listed since the last load: a sandbox's data, not a request's.
      t = Date.parse(slot.startDate);
      this.parsedStarts.set(slot.startDate, t);
    }
    return t;
  }

  issueToken(lifetimeSeconds: number): string {
    const token = `sbx.${randomBytes(18).toString('base64url')}`;
    this.tokens.set(token, this.now() + lifetimeSeconds * 1000);
    return token;
  }

  tokenValid(token: string): boolean {
    const expiry = this.tokens.get(token);
    return expiry !== undefined && this.now() < expiry;
  }

  expireTokens() {
    this.tokens.clear();
  }

  createProject(body: Omit<SandboxProject, 'id'>): SandboxProject {
    const project = { ...body, id: this.nextProjectId++ } as SandboxProject;
    this.projects.set(project.id, project);
    return project;
  }

  snapshot() {
    return {
      projects: [...this.projects.values()],
      timeSlots: [...this.timeSlots.values()],
      headQuarters: [...this.headQuarters],
    };
  }
}

/**
 * Seed files may date slots relative to today ("-3d 06:00" = three days ago at 06:00 UTC), so that
 * a demo seed stays inside the connector's look-back window whatever the day.
 */
export function resolveSeedDate(value: string, now: number): string {
  const m = /^-(\d+)d (\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return value;
  const day = new Date(now - Number(m[1]) * 86_400_000).toISOString().slice(0, 10);
  return `${day}T${m[2]}:${m[3]}:${m[4] ?? '00'}Z`;
}
