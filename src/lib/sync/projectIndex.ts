/**
 * BatiSimply's projects by code, for one push run: read once at the start, then looked up again
 * by code after an ambiguous create. No promise is left without a handler: a failed read rejects
 * only the look-ups waiting for it, which fail their own record.
 */
import type { BatisimplyApi, Project } from '../batisimply/client.js';
import type { MalformedProject } from '../batisimply/projectList.js';
import { oldestProjectPerCode } from '../domain/project.js';

interface Read {
  startedAt: number;
  done: Promise<void>;
}

export class ProjectIndex {
  private readonly byCode = new Map<string, Project>();
  /** Codes carried by a project BatiSimply answered unreadable: creating one could duplicate it. */
  readonly unreadable = new Map<string, string>();
  /** The list moved under two reads in a row: a project may be missing from the index. */
  uncertain = false;
  /** Ids listed twice by a paging glitch (projectList.ts): kept once, reported. */
  repeated: number[] = [];
  /** When the first read began: a look-up made at or after this time. */
  loadedFrom = 0;
  private current: Read | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly api: Pick<BatisimplyApi, 'readProjects'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first read; a list that moved while it was read is read once more and both are merged. */
  async load(): Promise<MalformedProject[]> {
    this.loadedFrom = this.now();
    let listing = await this.api.readProjects();
    this.merge(listing.projects, listing.malformed);
    const malformed = listing.malformed;
    if (listing.unstable) {
      listing = await this.api.readProjects();
      this.merge(listing.projects, listing.malformed);
      this.uncertain = listing.unstable;
    }
    this.repeated = listing.repeated ?? [];
    return malformed;
  }

  get(code: string): Project | undefined {
    return this.byCode.get(code);
  }

  remember(project: Project) {
    this.merge([project], []);
  }

  /** Looks `code` up in a read of the list that started at or after `notBefore`, shared with other look-ups. */
  async lookUp(code: string, notBefore: number): Promise<Project | undefined> {
    await this.readStartedAfter(notBefore);
    return this.byCode.get(code);
  }

  private readStartedAfter(notBefore: number): Promise<void> {
    if (this.current && this.current.startedAt >= notBefore) return this.current.done;
    if (!this.current) return this.startRead();
    // A read is under way but began too early: join the one that starts when it ends.
    this.queued ??= this.current.done
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.startRead();
      });
    return this.queued;
  }

  private startRead(): Promise<void> {
    const read: Read = {
      startedAt: this.now(),
      done: this.api.readProjects().then((l) => this.merge(l.projects, l.malformed)),
    };
    this.current = read;
    const clear = () => {
      if (this.current === read) this.current = undefined;
    };
    read.done.then(clear, clear);
    return read.done;
  }

  /** Duplicates left by the earlier tool: the oldest project (lowest id) is the one kept up to date. */
  private merge(projects: readonly Project[], malformed: readonly MalformedProject[]) {
    oldestProjectPerCode(projects, this.byCode);
    for (const m of malformed) if (m.projectCode) this.unreadable.set(m.projectCode, m.reason);
  }
}
