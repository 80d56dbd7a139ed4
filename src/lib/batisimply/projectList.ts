/**
 * Reading BatiSimply's whole project list. Paging is undocumented and its totals were seen to lie
 * (1 of 3 pages, 50 of 145): pages are read until one comes back short or empty, whatever the
 * totals say. Each item is checked on its own, and signs that the list moved while it was read
 * (an id met twice, totals that change between pages) are reported, not ignored.
 */
import { UpstreamError } from '../errors.js';
import type { BatisimplyHttp } from './http.js';
import { projectPageSchema, projectSchema, type Project } from './schemas.js';

export interface MalformedProject {
  /** Position in the list as read (0 is the first item of the first page). */
  position: number;
  projectCode: string | null;
  reason: string;
}

export interface ProjectListing {
  /** Each id once; items after the first with the same id are dropped. */
  projects: Project[];
  malformed: MalformedProject[];
  /** The list changed while it was read: an item may have been skipped. */
  unstable: boolean;
  /**
   * Ids listed twice while the list did not move (same totals on every page, and every project
   * the total counts was read): a paging glitch, kept once and reported, nothing skipped.
   */
  repeated?: number[];
}

/** A page may be capped below the size asked for; past this many pages something is wrong. */
const MAX_PAGES = 10_000;

export async function readProjectList(http: Pick<BatisimplyHttp, 'call'>, pageSize: number): Promise<ProjectListing> {
  const listing: ProjectListing = { projects: [], malformed: [], unstable: false, repeated: [] };
  const seen = new Set<number>();
  const twice = new Set<number>();
  /** Each page read, by its ids: a page served again means the server ignores the paging. */
  const pages = new Map<string, number>();
  let position = 0;
  let largestPage = 0;
  let firstTotal: number | undefined;
  let totalsMoved = false;
  const take = (items: unknown[]) => {
    const ids: number[] = [];
    for (const item of items) {
      const parsed = projectSchema.safeParse(item);
      if (parsed.success) {
        ids.push(parsed.data.id);
        if (seen.has(parsed.data.id)) twice.add(parsed.data.id);
        else listing.projects.push(parsed.data);
        seen.add(parsed.data.id);
      } else {
        const code = (item as { projectCode?: unknown } | null)?.projectCode;
        const issue = parsed.error.issues[0];
        listing.malformed.push({
          position,
          projectCode: typeof code === 'string' && code.trim() !== '' ? code : null,
          reason: `${issue?.path.join('.') || 'projet'} : ${issue?.message ?? 'forme inattendue'}`,
        });
      }
      position++;
    }
    return ids;
  };
  /** A repeated id is a glitch only if nothing moved and nothing the total counts is missing; else the list moved. */
  const settle = () => {
    if (twice.size === 0 && !totalsMoved) return listing;
    if (!totalsMoved && firstTotal !== undefined && seen.size + listing.malformed.length === firstTotal) listing.repeated = [...twice];
    else listing.unstable = true;
    return listing;
  };
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await http.call('GET', '/api/project', projectPageSchema, { query: { page, size: pageSize }, knownList: true });
    if (Array.isArray(answer)) {
      take(answer); // a bare array is the whole list
      return settle();
    }
    const ids = take(answer.elements);
    const key = ids.join(',');
    const earlier = pages.get(key);
    if (ids.length > 0 && earlier !== undefined) {
      // Read on, it would never end (a server ignoring `page` answers every page the same).
      throw new UpstreamError(
        'batisimply',
        `BatiSimply renvoie la même page de projets (page ${page} identique à la page ${earlier}, ${ids.length} projets) : ` +
          'il ne tient pas compte de la pagination (paramètres page et size). Lecture arrêtée ; signalez-le au support BatiSimply.',
        { code: 'BATISIMPLY_PAGES_REPETEES', retryable: false },
      );
    }
    pages.set(key, page);
    if (answer.totalElements !== undefined) {
      firstTotal ??= answer.totalElements;
      if (answer.totalElements !== firstTotal) totalsMoved = true;
    }
    // The size the server really used: what it says, else the largest page it sent.
    largestPage = Math.max(largestPage, answer.elements.length);
    const used = answer.size ?? largestPage;
    if (answer.elements.length === 0 || answer.elements.length < Math.min(used, pageSize)) return settle();
  }
  return settle();
}
