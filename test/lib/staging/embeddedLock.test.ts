/** The embedded staging folder belongs to one holder at a time, and the one turned away is told who holds it. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { lockDataFolder } from '../../../src/lib/staging/embeddedLock.js';

let root: string;
let n = 0;
before(async () => (root = await mkdtemp(path.join(tmpdir(), 'connecteur-lock-'))));
after(() => rm(root, { recursive: true, force: true }));

/** A fresh folder path for each case. */
const folder = () => path.join(root, `staging${++n}`);
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

test('a free folder: created, locked, and its holder written beside it', async () => {
  const dir = folder();
  const lock = await lockDataFolder(dir, 0);
  try {
    assert.equal(await exists(dir), true);
    const holder = JSON.parse(await readFile(`${dir}.holder.json`, 'utf8')) as { pid: number; command: string; since: string };
    assert.equal(holder.pid, process.pid);
    assert.equal(
      holder.command,
      process.argv
        .slice(1)
        .map((a) => path.basename(a))
        .join(' '),
    );
    assert.ok(Math.abs(Date.parse(holder.since) - Date.now()) < 60_000);
  } finally {
    await lock.release();
  }
});

test('the holder names the command as typed: each argument by its base name, spaces between', async () => {
  const dir = folder();
  const argv = process.argv;
  process.argv = [argv[0]!, '/usr/lib/node_modules/connecteur/bin/connecteur.js', 'run', 'transfer-batisimply'];
  let lock: Awaited<ReturnType<typeof lockDataFolder>> | undefined;
  try {
    lock = await lockDataFolder(dir, 0);
  } finally {
    process.argv = argv;
  }
  try {
    const holder = JSON.parse(await readFile(`${dir}.holder.json`, 'utf8')) as { command: string };
    assert.equal(holder.command, 'connecteur.js run transfer-batisimply');
  } finally {
    await lock.release();
  }
});

test('a held folder: refused after the wait, naming the holder', async () => {
  const dir = folder();
  const lock = await lockDataFolder(dir, 0);
  try {
    const holder = JSON.parse(await readFile(`${dir}.holder.json`, 'utf8')) as { pid: number; command: string; since: string };
    await assert.rejects(lockDataFolder(dir, 0), (e: Error & { code?: string; retryable?: boolean; system?: string }) => {
      assert.equal(e.code, 'STAGING_LOCKED');
      assert.equal(e.system, 'staging');
      assert.equal(e.retryable, false);
      assert.equal(
        e.message,
        `Le dossier de staging embarqué ${dir} est utilisé par le processus ${holder.pid} (${holder.command}, depuis le ${holder.since}). Attendez sa fin ou arrêtez-le.`,
      );
      return true;
    });
  } finally {
    await lock.release();
  }
});

test('a held folder whose holder file is gone: refused, naming another process', async () => {
  const dir = folder();
  const lock = await lockDataFolder(dir, 0);
  try {
    await rm(`${dir}.holder.json`);
    await assert.rejects(lockDataFolder(dir, 0), (e: Error) => e.message.includes('est utilisé par un autre processus.'));
  } finally {
    await lock.release();
  }
});

test('the second holder waits the time given before giving up', async () => {
  const dir = folder();
  const lock = await lockDataFolder(dir, 0);
  try {
    const started = Date.now();
    await assert.rejects(lockDataFolder(dir, 1_500));
    assert.ok(Date.now() - started >= 1_500, 'not before the wait is over');
  } finally {
    await lock.release();
  }
});

test('a holder that leaves while the second waits: the second gets the folder', async () => {
  const dir = folder();
  const first = await lockDataFolder(dir, 0);
  const second = lockDataFolder(dir, 60_000);
  await first.release();
  const lock = await second;
  await lock.release();
});

test('released twice: the holder file is gone and the folder can be locked again', async () => {
  const dir = folder();
  const lock = await lockDataFolder(dir, 0);
  await lock.release();
  await lock.release();
  assert.equal(await exists(`${dir}.holder.json`), false);
  assert.equal(await exists(`${dir}.lock`), false);
  const again = await lockDataFolder(dir, 0);
  await again.release();
});

test('a lock left 20 s ago is still held; one left a minute ago is abandoned and taken over', async () => {
  const recent = folder();
  await mkdir(recent);
  await mkdir(`${recent}.lock`);
  const twentySecondsAgo = new Date(Date.now() - 20_000);
  await utimes(`${recent}.lock`, twentySecondsAgo, twentySecondsAgo);
  await assert.rejects(lockDataFolder(recent, 0), (e: Error & { code?: string }) => e.code === 'STAGING_LOCKED');

  const old = folder();
  await mkdir(old);
  await mkdir(`${old}.lock`);
  const aMinuteAgo = new Date(Date.now() - 60_000);
  await utimes(`${old}.lock`, aMinuteAgo, aMinuteAgo);
  const lock = await lockDataFolder(old, 0);
  await lock.release();
});
