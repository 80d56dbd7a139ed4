/**
 * The digest of a staged slot is stored in `batigest_heures.content_hash`: if the way it is computed
 * changed, every slot of the window would be rewritten by the first run after an upgrade. These are
 * digests computed by an earlier release (a template literal), pinned against the current code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TimeSlot } from '../../../src/lib/batisimply/client.js';
import { slotFields } from '../../../src/lib/batisimply/slotFields.js';

test('a slot with every field: the digest of earlier releases', () => {
  const slot: TimeSlot = {
    id: '4711',
    startDate: '2026-03-29T00:30:00Z',
    endDate: '2026-03-29T02:30:00Z',
    user: { id: '0A1B2C3D-0000-4000-8000-000000000001', firstName: 'Jean', lastName: 'DUPONT' },
    project: { id: 42, projectCode: ' CH001 ' },
    managementStatus: 'VALIDATED',
    totalTimeMinutes: 120,
    hasPackedLunch: true,
    hasHomeToWorkJourney: false,
  };
  assert.equal(slotFields(slot, 'Europe/Paris').contentHash, 'hMI5eU7D/QdFI9qmXj6miakoDek=');
});

test('a slot with null fields (no project, no name): nulls digested apart from empty text', () => {
  const slot: TimeSlot = {
    id: '4712',
    startDate: '2026-10-25T00:30:00Z',
    endDate: '2026-10-25T01:30:00Z',
    user: { id: '0a1b2c3d-0000-4000-8000-000000000002', firstName: null, lastName: null },
    project: null,
    managementStatus: 'PENDING',
    totalTimeMinutes: 60,
    hasPackedLunch: false,
    hasHomeToWorkJourney: true,
  };
  assert.equal(slotFields(slot, 'Europe/Paris').contentHash, '69ul3K/VxYhexEHz3MoEmrdLFt0=');
});
