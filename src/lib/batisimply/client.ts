/**
 * BatiSimply's endpoints, all in this one module: paths and payload shapes are observations, not
 * a published contract (see the reference), so any change to them is made here only.
 */
import type * as z from 'zod';
import type { BatisimplySettings } from '../config.js';
import type { SecretStore } from '../secrets.js';
import { isoUtc } from '../time.js';
import { KeycloakTokens, type TokenProvider } from './auth.js';
import { BatisimplyError, BatisimplyHttp } from './http.js';
import { readProjectList, type ProjectListing } from './projectList.js';
import {
  checkTimeSlot,
  projectPageSchema,
  projectSchema,
  timeSlotListSchema,
  type Project,
  type ProjectBody,
  type RefusedSlot,
  type TimeSlot,
} from './schemas.js';

export type { Project, ProjectBody, ProjectListing, RefusedSlot, TimeSlot };

/** The slots of a period, each checked on its own: the good ones, and the refused ones with why. */
export interface TimeSlotList {
  slots: TimeSlot[];
  refused: RefusedSlot[];
}

/** What the jobs need from BatiSimply. */
export interface BatisimplyApi {
  /** The readable projects, each id once (`readProjects` also gives the refused items). */
  listProjects(): Promise<Project[]>;
  readProjects(): Promise<ProjectListing>;
  getProject(id: number): Promise<Project>;
  createProject(body: ProjectBody): Promise<Project>;
  updateProject(id: number, body: ProjectBody): Promise<Project>;
  listTimeSlots(start: Date, end: Date): Promise<TimeSlotList>;
  /** One small authenticated call: the connection check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class BatisimplyClient implements BatisimplyApi {
  constructor(
    readonly http: BatisimplyHttp,
    private readonly pageSize: number,
  ) {}

  async listProjects(): Promise<Project[]> {
    return (await this.readProjects()).projects;
  }

  readProjects(): Promise<ProjectListing> {
    return readProjectList(this.http, this.pageSize);
  }

  getProject(id: number): Promise<Project> {
    return this.http.call('GET', `/api/project/${encodeURIComponent(String(id))}`, projectSchema);
  }

  async createProject(body: ProjectBody): Promise<Project> {
    try {
      return await this.http.call('POST', '/api/project', projectSchema, { body });
    } catch (error) {
      // A success answer we cannot read still means the project was created.
      if (error instanceof BatisimplyError && error.code === 'BATISIMPLY_BAD_RESPONSE' && (error.status ?? 0) < 300) {
        throw new BatisimplyError(error.message, {
          code: error.code,
          status: error.status,
          retryable: false,
          ambiguous: true,
          cause: error,
        });
      }
      throw error;
    }
  }

  /** The update call is an assumption (JHipster's PUT of the whole object with its id). */
  updateProject(id: number, body: ProjectBody): Promise<Project> {
    return this.http.call('PUT', '/api/project', projectSchema, { body: { ...body, id } });
  }

  /** Bounds must be ISO 8601 UTC with time and `Z`: a bare date is answered 400. */
  async listTimeSlots(start: Date, end: Date): Promise<TimeSlotList> {
    const items = await this.http.call('GET', '/api/timeSlotManagement/allUsers', timeSlotListSchema as z.ZodType<unknown[]>, {
      query: { startDate: isoUtc(start), endDate: isoUtc(end) },
      knownList: true,
    });
    const list: TimeSlotList = { slots: [], refused: [] };
    for (const item of items) {
      const checked = checkTimeSlot(item);
      if ('slot' in checked) list.slots.push(checked.slot);
      else list.refused.push(checked.refused);
    }
    return list;
  }

  async ping() {
    await this.http.call('GET', '/api/project', projectPageSchema, { query: { page: 0, size: 1 }, knownList: true });
  }

  close() {
    return this.http.close();
  }
}

export function createBatisimplyClient(settings: BatisimplySettings, secrets: SecretStore): BatisimplyClient {
  const credentials = async (fresh: boolean) => {
    if (fresh) secrets.invalidate();
    return {
      grantType: settings.BATISIMPLY_GRANT_TYPE,
      clientId: settings.BATISIMPLY_CLIENT_ID,
      clientSecret: fresh ? await secrets.get('BATISIMPLY_CLIENT_SECRET') : settings.BATISIMPLY_CLIENT_SECRET,
      username: settings.BATISIMPLY_USERNAME,
      password: fresh ? await secrets.get('BATISIMPLY_PASSWORD') : settings.BATISIMPLY_PASSWORD,
    };
  };
  const tokens: TokenProvider = new KeycloakTokens(settings.BATISIMPLY_TOKEN_URL, credentials, {
    timeoutMs: settings.BATISIMPLY_TIMEOUT_MS,
    maxRetries: settings.BATISIMPLY_MAX_RETRIES,
  });
  const http = new BatisimplyHttp(
    {
      baseUrl: settings.BATISIMPLY_API_URL,
      timeoutMs: settings.BATISIMPLY_TIMEOUT_MS,
      maxRetries: settings.BATISIMPLY_MAX_RETRIES,
    },
    tokens,
  );
  return new BatisimplyClient(http, settings.BATISIMPLY_PAGE_SIZE);
}
