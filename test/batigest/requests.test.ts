/** How SuiviMO reads and writes are split into requests: as few as SQL Server's 2,100 parameters allow. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suiviMoApplyRequests, suiviMoReadRequests } from '../../src/lib/batigest/sqlserver.js';
import type { SuiviMoOp, SuiviMoRow } from '../../src/lib/domain/suiviMo.js';

const row = (i: number): SuiviMoRow => ({
  codeChantier: 'CH001',
  codeSalarie: 'DUPJ',
  date: `2026-01-01T${String(i % 24).padStart(2, '0')}:00`,
  nbh0: 1,
  trajet: 0,
  panier: 0,
});

test('1,000 keys: two reads of at most 2,000 parameters', () => {
  const requests = suiviMoReadRequests(Array.from({ length: 1_000 }, (_, i) => row(i)));
  assert.deepEqual(
    requests.map((r) => [r.items.length, r.params]),
    [
      [666, 1_998],
      [334, 1_002],
    ],
  );
});

test('1,000 inserts: four requests, 333 statements each but the last', () => {
  const ops: SuiviMoOp[] = Array.from({ length: 1_000 }, (_, i) => ({ kind: 'insert', row: row(i) }));
  assert.deepEqual(
    suiviMoApplyRequests(ops).map((r) => r.items.length),
    [333, 333, 333, 1],
  );
});

test('mixed operations are packed by what each binds: update 9, insert 6, delete 3', () => {
  const ops: SuiviMoOp[] = [
    ...Array.from({ length: 222 }, (_, i): SuiviMoOp => ({ kind: 'update', from: row(i), to: row(i + 1) })),
    { kind: 'insert', row: row(1) },
    { kind: 'delete', row: row(2) },
  ];
  assert.deepEqual(
    suiviMoApplyRequests(ops).map((r) => r.params),
    [1_998, 9],
  );
});

test('nothing to send: no request', () => {
  assert.deepEqual(suiviMoApplyRequests([]), []);
  assert.deepEqual(suiviMoReadRequests([]), []);
});
