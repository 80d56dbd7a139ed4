import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatisimplyClient, type Project } from '../../../src/lib/batisimply/client.js';
import { BatisimplyError } from '../../../src/lib/batisimply/http.js';
import { readProjectList, type ProjectListing } from '../../../src/lib/batisimply/projectList.js';
import { ProjectIndex } from '../../../src/lib/sync/projectIndex.js';

/** An HTTP layer answering the given pages in turn, as BatiSimply's GET /api/project would. */
const pages = (...answers: unknown[]) => {
  const asked: unknown[] = [];
  const http = {
    call: async (_method: string, _path: string, schema: { parse(v: unknown): unknown }, options?: { query?: unknown }) => {
      asked.push(options?.query);
      if (answers.length === 0) throw new Error('no more pages');
      return schema.parse(answers.shift());
    },
  };
  return { http: http as never, asked };
};
const p = (id: number, code = `C${id}`) => ({ id, projectCode: code, projectName: code });

describe('readProjectList', () => {
  test('totals that understate: pages are read until a short one', async () => {
    const { http, asked } = pages(
      { elements: [p(1), p(2)], totalPages: 1, totalElements: 2, size: 2 },
      { elements: [p(3), p(4)], totalPages: 1, totalElements: 2, size: 2 },
      { elements: [p(5)], totalPages: 1, totalElements: 2, size: 2 },
    );
    const listing = await readProjectList(http, 2);
    assert.deepEqual(
      listing.projects.map((x) => x.id),
      [1, 2, 3, 4, 5],
    );
    assert.equal(asked.length, 3);
    assert.equal(listing.unstable, false);
  });

  test('no size in the answer: a full page is followed by the next, an empty one ends', async () => {
    const { http, asked } = pages({ elements: [p(1), p(2)] }, { elements: [] });
    assert.deepEqual(
      (await readProjectList(http, 100)).projects.map((x) => x.id),
      [1, 2],
    );
    assert.equal(asked.length, 2);
  });

  test('an id met twice (the list moved while read): kept once, the listing says unstable', async () => {
    const { http } = pages({ elements: [p(1), p(2)], size: 2 }, { elements: [p(2), p(3)], size: 2 }, { elements: [], size: 2 });
    const listing = await readProjectList(http, 2);
    assert.deepEqual(
      listing.projects.map((x) => x.id),
      [1, 2, 3],
    );
    assert.equal(listing.unstable, true);
  });

  test('totals that change between pages: unstable', async () => {
    const { http } = pages({ elements: [p(1), p(2)], size: 2, totalElements: 5 }, { elements: [p(4)], size: 2, totalElements: 4 });
    assert.equal((await readProjectList(http, 2)).unstable, true);
  });

  test('a null or zero id is refused with its reason and position, never coerced', async () => {
    const { http } = pages([p(1), { id: null, projectCode: 'X1' }, { id: 0, projectCode: 'X2' }, { id: '12', projectCode: 'X3' }]);
    const listing = await readProjectList(http, 100);
    assert.deepEqual(
      listing.projects.map((x) => [x.id, x.projectCode]),
      [
        [1, 'C1'],
        [12, 'X3'],
      ],
    );
    assert.deepEqual(
      listing.malformed.map((m) => [m.position, m.projectCode]),
      [
        [1, 'X1'],
        [2, 'X2'],
      ],
    );
    assert.match(listing.malformed[0]!.reason, /^id : identifiant de projet absent ou invalide \(reçu null\)$/);
  });
});

/** A project list that answers each read from the given listings in turn (or fails). */
function api(...reads: (ProjectListing | Error)[]) {
  let count = 0;
  return {
    get reads() {
      return count;
    },
    readProjects: async () => {
      count++;
      const next = reads.shift();
      if (!next) throw new Error('unexpected read');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}
const listing = (projects: Project[], unstable = false): ProjectListing => ({ projects, malformed: [], unstable });

describe('ProjectIndex', () => {
  test('a list that moved while read is read again and merged: the project missed first is found', async () => {
    const index = new ProjectIndex(api(listing([p(1)], true), listing([p(1), p(2)])));
    await index.load();
    assert.equal(index.get('C2')?.id, 2);
    assert.equal(index.uncertain, false);
  });

  test('moved under both reads: uncertain', async () => {
    const index = new ProjectIndex(api(listing([p(1)], true), listing([p(2)], true)));
    await index.load();
    assert.equal(index.uncertain, true);
  });

  test('look-ups wanting a read after the same time share one read', async () => {
    let now = 1_000;
    const source = api(listing([]), listing([p(5)]));
    const index = new ProjectIndex(source, () => now);
    await index.load();
    now = 2_000;
    const found = await Promise.all([index.lookUp('C5', 2_000), index.lookUp('C5', 1_500), index.lookUp('C5', 2_000)]);
    assert.deepEqual(
      found.map((x) => x?.id),
      [5, 5, 5],
    );
    assert.equal(source.reads, 2);
  });

  test('a failing read rejects only its look-ups; the next look-up reads again', async () => {
    const source = api(listing([]), new Error('503'), listing([p(9)]));
    const index = new ProjectIndex(source);
    await index.load();
    await assert.rejects(index.lookUp('C9', 0), /503/);
    assert.equal((await index.lookUp('C9', Date.now()))?.id, 9);
  });

  test('duplicates: the lowest id wins, whatever the order met', async () => {
    const index = new ProjectIndex(api(listing([p(7, 'D'), p(3, 'D')])));
    await index.load();
    index.remember(p(12, 'D'));
    assert.equal(index.get('D')?.id, 3);
  });
});

describe('createProject', () => {
  test('a 201 whose project has no id: the create is ambiguous, never retried blindly', async () => {
    const http = {
      call: async () => {
        throw new BatisimplyError('forme inattendue', { code: 'BATISIMPLY_BAD_RESPONSE', status: 201, retryable: false });
      },
    };
    const client = new BatisimplyClient(http as never, 100);
    await assert.rejects(
      client.createProject({ projectCode: 'X', projectName: 'X', startEstimated: null, endEstimated: null }),
      (e: BatisimplyError) => e.ambiguous && e.status === 201,
    );
  });
});
