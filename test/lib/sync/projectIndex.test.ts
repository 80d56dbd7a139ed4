/**
 * ProjectIndex on its own, with reads the test answers by hand: which read a look-up waits for,
 * which look-ups share a read, what a failed read rejects, and what the index keeps of each listing.
 * Written from the surviving mutants of sync/projectIndex.js. The clock is the test's, so that "a
 * read that began before the wanted time" is decided by the test, never by the machine's speed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Project } from '../../../src/lib/batisimply/client.js';
import type { MalformedProject, ProjectListing } from '../../../src/lib/batisimply/projectList.js';
import { ProjectIndex } from '../../../src/lib/sync/projectIndex.js';

const p = (id: number, code: string | null = `C${id}`, name = `projet ${id}`): Project => ({ id, projectCode: code, projectName: name });
const bad = (position: number, projectCode: string | null, reason = 'id absent'): MalformedProject => ({ position, projectCode, reason });
const listing = (projects: Project[], malformed: MalformedProject[] = [], unstable = false): ProjectListing => ({
  projects,
  malformed,
  unstable,
});

/** Reads that stay open until the test answers them, in the order they were asked. */
function manualReads() {
  const open: { answer(l: ProjectListing): void; refuse(e: Error): void }[] = [];
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    readProjects: () =>
      new Promise<ProjectListing>((resolve, reject) => {
        asked++;
        open.push({ answer: resolve, refuse: reject });
      }),
    /** Answers the oldest read still open. */
    answer(l: ProjectListing) {
      open.shift()!.answer(l);
    },
    refuse(e: Error) {
      open.shift()!.refuse(e);
    },
  };
}

/** Reads answered at once from the listings given, in turn. */
function readsOf(...reads: ProjectListing[]) {
  let asked = 0;
  return {
    get asked() {
      return asked;
    },
    readProjects: async () => {
      asked++;
      const next = reads.shift();
      if (!next) throw new Error('unexpected read');
      return next;
    },
  };
}

/** Lets every callback already queued run (the manual reads settle through a few promise hops). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe('load', () => {
  test('records when it began, and a list read once is certain', async () => {
    const index = new ProjectIndex(readsOf(listing([p(1)])), () => 1_234);
    assert.equal(index.loadedFrom, 0);
    assert.equal(index.uncertain, false);
    await index.load();
    assert.equal(index.loadedFrom, 1_234);
    assert.equal(index.uncertain, false);
    assert.equal(index.get('C1')?.id, 1);
  });

  test('gives the refused items of the first read, even when the list is read again', async () => {
    const first = [bad(0, 'X1')];
    const source = readsOf(listing([p(1)], first, true), listing([p(1)], [bad(4, 'X2')]));
    const index = new ProjectIndex(source);
    assert.deepEqual(await index.load(), first);
    assert.equal(source.asked, 2);
  });

  test('a stable list is read once', async () => {
    const source = readsOf(listing([p(1)]), listing([p(2)]));
    await new ProjectIndex(source).load();
    assert.equal(source.asked, 1);
  });

  test('refused items with a code mark it unreadable (from both reads), those without are left out', async () => {
    const index = new ProjectIndex(
      readsOf(listing([], [bad(0, 'X1', 'id nul'), bad(1, null)], true), listing([], [bad(3, 'X2', 'id texte')])),
    );
    await index.load();
    assert.deepEqual(
      [...index.unreadable],
      [
        ['X1', 'id nul'],
        ['X2', 'id texte'],
      ],
    );
  });
});

describe('what the index keeps', () => {
  test('a project without a code is not indexed under an empty code', async () => {
    const index = new ProjectIndex(readsOf(listing([p(1, ''), p(2, null)])));
    await index.load();
    assert.equal(index.get(''), undefined);
    assert.equal(index.get(null as unknown as string), undefined);
  });

  test('the same project met again replaces the one known (its latest state)', async () => {
    const index = new ProjectIndex(readsOf(listing([p(3, 'D', 'ancien nom')])));
    await index.load();
    index.remember(p(3, 'D', 'nouveau nom'));
    assert.equal(index.get('D')?.projectName, 'nouveau nom');
  });

  test('a newer duplicate met after the oldest is not kept', async () => {
    const index = new ProjectIndex(readsOf(listing([p(3, 'D'), p(7, 'D')])));
    await index.load();
    assert.equal(index.get('D')?.id, 3);
  });
});

describe('lookUp', () => {
  test('no read under way: one starts, and the look-up waits for it', async () => {
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => 1_000);
    const found = index.lookUp('C5', 1_000);
    assert.equal(reads.asked, 1);
    reads.answer(listing([p(5)]));
    assert.equal((await found)?.id, 5);
  });

  test('a read that began exactly at the wanted time is shared', async () => {
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => 1_000);
    const a = index.lookUp('C5', 1_000);
    const b = index.lookUp('C5', 1_000);
    assert.equal(reads.asked, 1);
    reads.answer(listing([p(5)]));
    assert.deepEqual([(await a)?.id, (await b)?.id], [5, 5]);
  });

  test('a read that began too early is not trusted: the look-up waits for the next read, started when it ends', async () => {
    let now = 1_000;
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => now);
    const early = index.lookUp('C5', 1_000);
    now = 2_000;
    let lateDone = false;
    const late = index.lookUp('C5', 2_000).then((x) => ((lateDone = true), x));
    const later = index.lookUp('C5', 1_500);
    assert.equal(reads.asked, 1, 'the second read starts only when the first ends');
    now = 3_000;
    reads.answer(listing([]));
    assert.equal(await early, undefined);
    await settle();
    assert.equal(reads.asked, 2, 'both late look-ups share the one next read');
    assert.equal(lateDone, false);
    reads.answer(listing([p(5)]));
    assert.deepEqual([(await late)?.id, (await later)?.id], [5, 5]);
  });

  test('a look-up once every read has ended starts a new read', async () => {
    let now = 1_000;
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => now);
    const first = index.lookUp('C5', 1_000);
    now = 2_000;
    const second = index.lookUp('C5', 2_000);
    reads.answer(listing([]));
    await first;
    await settle();
    reads.answer(listing([]));
    await second;
    now = 3_000;
    const third = index.lookUp('C5', 3_000);
    assert.equal(reads.asked, 3);
    reads.answer(listing([p(5)]));
    assert.equal((await third)?.id, 5);
  });

  test('a look-up after a finished read never reuses it, even when it began late enough', async () => {
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => 5_000);
    const first = index.lookUp('C5', 1_000);
    reads.answer(listing([]));
    await first;
    const second = index.lookUp('C5', 1_000);
    assert.equal(reads.asked, 2);
    reads.answer(listing([p(5)]));
    assert.equal((await second)?.id, 5);
  });

  test('a failed read rejects its look-ups; one queued behind it still gets its own read', async () => {
    let now = 1_000;
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => now);
    const early = index.lookUp('C5', 1_000);
    now = 2_000;
    const late = index.lookUp('C5', 2_000);
    reads.refuse(new Error('503'));
    await assert.rejects(early, /503/);
    await settle();
    assert.equal(reads.asked, 2);
    reads.answer(listing([p(5)]));
    assert.equal((await late)?.id, 5);
  });

  test('after a failed read, the next look-up reads again', async () => {
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => 1_000);
    const first = index.lookUp('C5', 1_000);
    reads.refuse(new Error('503'));
    await assert.rejects(first, /503/);
    const second = index.lookUp('C5', 1_000);
    assert.equal(reads.asked, 2);
    reads.answer(listing([p(5)]));
    assert.equal((await second)?.id, 5);
  });

  test('a look-up read marks refused items with a code unreadable', async () => {
    const reads = manualReads();
    const index = new ProjectIndex(reads, () => 1_000);
    const found = index.lookUp('X1', 1_000);
    reads.answer(listing([], [bad(0, 'X1', 'id nul')]));
    assert.equal(await found, undefined);
    assert.equal(index.unreadable.get('X1'), 'id nul');
  });
});
