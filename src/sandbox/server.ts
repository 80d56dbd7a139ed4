/**
 * `connecteur sandbox`: a local HTTP server that behaves like BatiSimply as far as it is known
 * (see the reference): Keycloak token endpoint, projects with paging, time slots, bearer checks,
 * plus an admin API (`/__admin/…`) to inspect and change state and inject faults.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { FaultPlan, faultRuleSchema, type FaultRule } from './faults.js';
import { SandboxGeocoder } from './geocoder.js';
import { SandboxState, type SandboxSeed, type SandboxTimeSlot } from './state.js';

export const TOKEN_PATH = '/auth/realms/jhipster/protocol/openid-connect/token';

export interface SandboxOptions {
  port?: number;
  host?: string;
  seed?: SandboxSeed;
  /** `expires_in` of issued tokens, in seconds. */
  tokenLifetimeSeconds?: number;
  /** Pages are capped at this size whatever the client asks, as a real server may do. */
  maxPageSize?: number;
  faults?: FaultRule[];
  /** Draws for `rate` faults (a seeded generator makes a fault campaign repeatable); default Math.random. */
  random?: () => number;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  html?: string;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const projectBodySchema = z.looseObject({
  projectCode: z.string().trim().min(1, 'projectCode est obligatoire'),
  projectName: z.string().trim().min(1, 'projectName est obligatoire'),
  customerName: z.string().optional(),
  startEstimated: z.string().regex(DATE, 'startEstimated doit être au format YYYY-MM-DD').nullish(),
  endEstimated: z.string().regex(DATE, 'endEstimated doit être au format YYYY-MM-DD').nullish(),
  hoursSold: z.number().min(0, 'hoursSold doit être positif').optional(),
  headQuarter: z.object({ id: z.number().int() }).optional(),
});

export class Sandbox {
  readonly state: SandboxState;
  readonly faults: FaultPlan;
  /** Requests received and not yet answered: a campaign waits for 0 before it checks the truth. */
  inFlight = 0;
  /** The Base Adresse Nationale geocoder's double, on the same port. */
  readonly geocoder = new SandboxGeocoder();
  /** Requests per "METHOD /route", for tests and the demo. */
  readonly stats = new Map<string, number>();
  /** Writes held by the `delayed-apply` fault: still held, and applied once the hold ended. */
  readonly delayedWrites = { held: 0, applied: 0 };
  /** Writes held by a `delayed-apply` fault with `release: 'manual'`, waiting for releaseHeldWrites(). */
  private heldWrites: (() => void)[] = [];
  private readonly server: http.Server;
  private readonly tokenLifetime: number;
  private readonly maxPageSize: number;

  constructor(private readonly options: SandboxOptions = {}) {
    this.state = new SandboxState(options.seed);
    this.faults = new FaultPlan(options.random);
    this.tokenLifetime = options.tokenLifetimeSeconds ?? 300;
    this.maxPageSize = options.maxPageSize ?? 50;
    this.faults.add(options.faults ?? []);
    this.geocoder.load(options.seed?.addresses ?? []);
    this.server = http.createServer((req, res) => {
      this.inFlight++;
      void this.handle(req, res).finally(() => this.inFlight--);
    });
    this.server.keepAliveTimeout = 60_000;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve);
    });
    return this.url;
  }

  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  get tokenUrl(): string {
    return `${this.url}${TOKEN_PATH}`;
  }

  /** The connector's settings that point at this sandbox, with the first client, user and agency of its seed. */
  connectorSettings(): Record<string, string> {
    const [clientId, clientSecret] = [...this.state.clients.entries()][0] ?? ['', undefined];
    const [username, password] = [...this.state.users.entries()][0] ?? ['', ''];
    return {
      BATISIMPLY_API_URL: this.url,
      BATISIMPLY_TOKEN_URL: this.tokenUrl,
      BATISIMPLY_CLIENT_ID: clientId,
      ...(clientSecret ? { BATISIMPLY_CLIENT_SECRET: clientSecret } : {}),
      BATISIMPLY_USERNAME: username,
      BATISIMPLY_PASSWORD: password,
      BATISIMPLY_HEADQUARTER_ID: String([...this.state.headQuarters][0] ?? ''),
    };
  }

  count(route: string): number {
    return this.stats.get(route) ?? 0;
  }

  /** Applies every write held until released; answers how many. */
  releaseHeldWrites(): number {
    const held = this.heldWrites;
    this.heldWrites = [];
    for (const release of held) release();
    return held.length;
  }

  async stop() {
    this.releaseHeldWrites();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const raw = await readBody(req);
    const route = routeOf(req.method ?? 'GET', url.pathname);
    if (!route.startsWith('admin')) this.stats.set(route, (this.stats.get(route) ?? 0) + 1);
    const fault = route.startsWith('admin') ? undefined : this.faults.next(route);
    if (fault?.fault === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1_000));
    if (fault?.fault === 'reset') return void req.socket.destroy();
    if (fault?.fault === 'delayed-apply') return this.applyLate(fault, route, req, url, raw, res);
    if (fault && ['429', '500', '503', 'html'].includes(fault.fault)) return send(res, faultAnswer(fault));
    if (fault?.fault === 'echo-form') return send(res, echoForm(raw));
    if (fault?.fault === 'empty') return send(res, { status: 200, body: [] });
    let answer: Answer;
    try {
      if (SandboxGeocoder.handles(route)) {
        const g = await this.geocoder.answer(route, url, raw, req.headers['content-type'] ?? '');
        if (g.text === undefined) return send(res, { status: g.status, body: g.body });
        return void res.writeHead(g.status, { 'content-type': g.contentType ?? 'text/plain' }).end(g.text);
      }
      answer = this.route(route, req, url, raw, fault?.fault === 'lying-paging');
      if (fault)
        answer = badAnswer(
          fault.fault,
          route,
          answer,
          [...this.state.projects.values()].sort((a, b) => a.id - b.id),
        );
    } catch (error) {
      answer = { status: 400, body: { title: 'Bad Request', detail: (error as Error).message } };
    }
    // The write happened; the client never hears of it.
    if (fault?.fault === 'lost-response') return void req.socket.destroy();
    send(res, answer);
  }

  /** The client may have given up long before: the write is applied all the same. */
  private async applyLate(fault: FaultRule, route: string, req: IncomingMessage, url: URL, raw: string, res: ServerResponse) {
    this.delayedWrites.held++;
    // A test that must act while the write is held releases it itself, rather than racing a timer.
    await new Promise<void>((r) => (fault.release === 'manual' ? this.heldWrites.push(r) : setTimeout(r, fault.latencyMs ?? 1_000)));
    let answer: Answer;
    try {
      answer = this.route(route, req, url, raw);
    } catch (error) {
      answer = { status: 400, body: { title: 'Bad Request', detail: (error as Error).message } };
    }
    this.delayedWrites.held--;
    this.delayedWrites.applied++;
    if (!res.destroyed) send(res, answer);
  }

  private route(route: string, req: IncomingMessage, url: URL, raw: string, lyingPaging = false): Answer {
    if (route === 'POST /token') return this.token(raw);
    if (route.startsWith('admin ')) return this.admin(req.method ?? 'GET', url.pathname, raw);
    if (!route.includes('/api/')) return { status: 404, html: '<html><body>Not Found</body></html>' };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.state.tokenValid(bearer)) {
      return { status: 401, body: { title: 'Unauthorized', detail: bearer ? 'token expired or unknown' : 'missing bearer token' } };
    }
    switch (route) {
      case 'GET /api/project':
        return this.listProjects(url, lyingPaging);
      case 'GET /api/project/{id}': {
        const project = this.state.projects.get(Number(url.pathname.split('/').pop()));
        return project ? { status: 200, body: project } : { status: 404, body: { title: 'Not Found' } };
      }
      case 'POST /api/project':
        return this.createProject(raw);
      case 'PUT /api/project':
        return this.updateProject(raw);
      case 'GET /api/timeSlotManagement/allUsers':
        return this.listTimeSlots(url);
      default:
        return { status: 404, body: { title: 'Not Found' } };
    }
  }

  private token(raw: string): Answer {
    const form = new URLSearchParams(raw);
    const grant = form.get('grant_type');
    const clientId = form.get('client_id') ?? '';
    const invalid = (error: string, description: string, status = 400): Answer => ({
      status,
      body: { error, error_description: description },
    });
    if (grant !== 'password' && grant !== 'client_credentials') return invalid('unsupported_grant_type', 'Unsupported grant_type');
    if (!this.state.clients.has(clientId)) return invalid('invalid_client', 'Invalid client credentials', 401);
    const secret = this.state.clients.get(clientId);
    if (secret !== undefined && form.get('client_secret') !== secret) return invalid('unauthorized_client', 'Invalid client secret', 401);
    if (grant === 'password') {
      const expected = this.state.users.get(form.get('username') ?? '');
      if (expected === undefined || expected !== form.get('password')) return invalid('invalid_grant', 'Invalid user credentials', 401);
    }
    const access = this.state.issueToken(this.tokenLifetime);
    return {
      status: 200,
      body: { access_token: access, expires_in: this.tokenLifetime, token_type: 'Bearer', scope: 'profile email' },
    };
  }

  private listProjects(url: URL, lying = false): Answer {
    const page = Math.max(0, Number(url.searchParams.get('page') ?? 0) || 0);
    const size = Math.min(this.maxPageSize, Math.max(1, Number(url.searchParams.get('size') ?? 20) || 20));
    const all = [...this.state.projects.values()].sort((a, b) => a.id - b.id);
    return {
      status: 200,
      body: {
        elements: all.slice(page * size, page * size + size),
        totalElements: lying ? Math.min(all.length, size) : all.length,
        totalPages: lying ? 1 : Math.ceil(all.length / size),
        page,
        size,
      },
    };
  }

  private validProject(raw: string): z.infer<typeof projectBodySchema> {
    const parsed = projectBodySchema.safeParse(JSON.parse(raw || 'null'));
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    return parsed.data;
  }

  private createProject(raw: string): Answer {
    const body = this.validProject(raw);
    if (!body.headQuarter || !this.state.headQuarters.has(body.headQuarter.id)) {
      throw new Error(`headQuarter.id inconnu (${body.headQuarter?.id ?? 'absent'})`);
    }
    if ('id' in body && body.id !== undefined && body.id !== null) throw new Error('A new project cannot already have an ID');
    return { status: 201, body: this.state.createProject(body) };
  }

  private updateProject(raw: string): Answer {
    const body = this.validProject(raw);
    const id = Number((body as { id?: unknown }).id);
    const existing = this.state.projects.get(id);
    if (!existing) return { status: 404, body: { title: 'Not Found', detail: `project ${id}` } };
    const updated = { ...existing, ...body, id };
    this.state.projects.set(id, updated);
    return { status: 200, body: updated };
  }

  private listTimeSlots(url: URL): Answer {
    const start = url.searchParams.get('startDate') ?? '';
    const end = url.searchParams.get('endDate') ?? '';
    if (!ISO_UTC.test(start) || !ISO_UTC.test(end)) {
      throw new Error('startDate and endDate must be ISO 8601 UTC date-times, e.g. 2025-05-01T00:00:00Z');
    }
    const from = Date.parse(start);
    const to = Date.parse(end);
    const slots: SandboxTimeSlot[] = [];
    for (const s of this.state.timeSlots.values()) {
      const t = this.state.startMs(s);
      if (t >= from && t < to) slots.push(s);
    }
    return { status: 200, body: slots };
  }

  private admin(method: string, path: string, raw: string): Answer {
    const body = raw ? JSON.parse(raw) : undefined;
    const slotId = /^\/__admin\/time-slots\/(.+)$/.exec(path)?.[1];
    if (method === 'GET' && path === '/__admin/state') {
      return { status: 200, body: { ...this.state.snapshot(), faults: this.faults.list(), stats: Object.fromEntries(this.stats) } };
    }
    if (method === 'GET' && path === '/__admin/projects') return { status: 200, body: this.state.snapshot().projects };
    if (method === 'POST' && path === '/__admin/reset') {
      this.state.load(body ?? this.options.seed ?? {});
      this.geocoder.load((body ?? this.options.seed ?? {}).addresses ?? []);
      this.faults.clear();
      this.stats.clear();
      return { status: 200, body: { ok: true } };
    }
    if (method === 'POST' && path === '/__admin/release-writes') return { status: 200, body: { released: this.releaseHeldWrites() } };
    if (method === 'POST' && path === '/__admin/faults') {
      this.faults.add(z.array(faultRuleSchema).parse(Array.isArray(body) ? body : [body]));
      return { status: 200, body: this.faults.list() };
    }
    if (method === 'DELETE' && path === '/__admin/faults') {
      this.faults.clear();
      return { status: 200, body: [] };
    }
    if (method === 'POST' && path === '/__admin/tokens/expire') {
      this.state.expireTokens();
      return { status: 200, body: { ok: true } };
    }
    if (method === 'POST' && path === '/__admin/time-slots') {
      for (const slot of (Array.isArray(body) ? body : [body]) as SandboxTimeSlot[]) this.state.timeSlots.set(String(slot.id), slot);
      return { status: 201, body: { ok: true } };
    }
    if (slotId && method === 'PATCH') {
      const slot = this.state.timeSlots.get(slotId);
      if (!slot) return { status: 404, body: { title: 'Not Found' } };
      this.state.timeSlots.set(slotId, { ...slot, ...body });
      return { status: 200, body: this.state.timeSlots.get(slotId) };
    }
    if (slotId && method === 'DELETE') {
      return this.state.timeSlots.delete(slotId) ? { status: 204 } : { status: 404, body: { title: 'Not Found' } };
    }
    return { status: 404, body: { title: 'Not Found' } };
  }
}

function routeOf(method: string, path: string): string {
  if (path === TOKEN_PATH) return `${method} /token`;
  if (path.startsWith('/__admin/')) return `admin ${method} ${path}`;
  if (/^\/api\/project\/[^/]+$/.test(path)) return `${method} /api/project/{id}`;
  return `${method} ${path}`;
}

function faultAnswer(fault: FaultRule): Answer {
  if (fault.fault === 'html') return { status: 200, html: '<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>' };
  if (fault.fault === '429') {
    return { status: 429, body: { title: 'Too Many Requests' }, headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) } };
  }
  return { status: Number(fault.fault), body: { title: fault.fault === '503' ? 'Service Unavailable' : 'Internal Server Error' } };
}

/** What a careless gateway does: the request it refused, quoted back (URL-encoded and decoded). */
function echoForm(raw: string): Answer {
  const fields = Object.fromEntries(new URLSearchParams(raw));
  return {
    status: 401,
    body: { error: 'invalid_request', error_description: `Requête refusée : ${raw} ${JSON.stringify(fields)}`, request: raw, fields },
  };
}

function send(res: ServerResponse, answer: Answer) {
  const headers: Record<string, string> = { ...answer.headers };
  let payload = '';
  if (answer.html !== undefined) {
    headers['content-type'] = 'text/html; charset=utf-8';
    payload = answer.html;
  } else if (answer.body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(answer.body);
  }
  res.writeHead(answer.status, headers).end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The answers of a BatiSimply that misbehaves (faults.ts): a list route answered as it was, then
 * bent the way a gateway or a paging bug bends it.
 */
function badAnswer(fault: FaultRule['fault'], route: string, answer: Answer, all: { id: number }[]): Answer {
  const body = answer.body as { elements?: unknown[]; page?: number; size?: number } | unknown[] | undefined;
  if (route === 'GET /api/project' && body && !Array.isArray(body)) {
    if (fault === 'repeat-page') return { ...answer, body: { ...body, elements: all } };
    if (fault === 'no-elements') {
      const { elements, ...rest } = body;
      return { ...answer, body: { ...rest, content: elements } };
    }
    if ((fault === 'repeat-item' || fault === 'moving-list') && (body.page ?? 0) > 0 && body.size) {
      const previous = all[(body.page ?? 0) * body.size - 1];
      const grown = fault === 'moving-list' ? { totalElements: all.length + 1 } : {};
      if (previous) return { ...answer, body: { ...body, ...grown, elements: [previous, ...(body.elements ?? [])] } };
    }
  }
  if (route === 'GET /api/timeSlotManagement/allUsers' && fault === 'impossible-date' && Array.isArray(body) && body.length > 0) {
    const [first, ...rest] = body as { startDate: string }[];
    return { ...answer, body: [{ ...first, startDate: `${first!.startDate.slice(0, 4)}-02-30T08:00:00Z` }, ...rest] };
  }
  return answer;
}
