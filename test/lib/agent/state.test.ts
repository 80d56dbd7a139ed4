/** What the heartbeats say: seen, silent past AGENT_SILENCE_PERIODS × the shortest period, versions apart. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentStatus, frenchDuration } from '../../../src/lib/agent/state.js';
import type { HeartbeatRow } from '../../../src/lib/staging/agent.js';

const row = (over: Partial<HeartbeatRow> = {}): HeartbeatRow => ({
  agentId: 'srv-batigest:batigest',
  host: 'srv-batigest',
  version: '0.1.0',
  role: 'batigest',
  pid: 1,
  lastStep: 'transfer',
  lastStatus: 'réussi',
  lastError: null,
  schemaKnown: 8,
  schemaFound: 8,
  schedules: {},
  shortestPeriodSeconds: 900,
  startedAt: '2026-11-28T09:00:00Z',
  lastSeen: '2026-11-28T10:00:00Z',
  secondsSince: 120,
  ...over,
});
const options = { access: 'agent' as const, silencePeriods: 3, fallbackPeriodSeconds: 900 };

test('seen two minutes ago', () => {
  const s = agentStatus([row()], options)!;
  assert.equal(s.silent, false);
  assert.match(
    s.message,
    /^Agent sur site : vu il y a 2 min \(srv-batigest, rôle batigest, version 0\.1\.0, dernière étape transfer : réussi\)$/,
  );
});

test('silent past three periods of 15 minutes', () => {
  assert.equal(agentStatus([row({ secondsSince: 45 * 60 })], options)!.silent, false);
  const s = agentStatus([row({ secondsSince: 52 * 60 })], options)!;
  assert.equal(s.silent, true);
  assert.equal(s.agents[0]!.silentMinutes, 52);
  assert.match(s.message, /^Agent sur site : silencieux depuis 52 min \(seuil 45 min/);
});

test('the staging schema newer than the agent: it says which versions and what to update', () => {
  const s = agentStatus([row({ schemaFound: 9 })], options)!;
  assert.equal(s.agents[0]!.versionMismatch, true);
  assert.match(
    s.message,
    /schéma de staging est en version 9, l'agent connaît la version 8 ; il n'exécute rien avant la mise à jour de l'agent/,
  );
});

test('agent mode and never seen: silent, with what to do; direct mode and never seen: nothing to show', () => {
  const never = agentStatus([], options)!;
  assert.equal(never.silent, true);
  assert.match(never.message, /jamais vu/);
  assert.equal(agentStatus([], { ...options, access: 'direct' }), null);
});

test('two agents alive: the operator is told one is enough', () => {
  const s = agentStatus([row(), row({ agentId: 'autre:batigest', host: 'autre', secondsSince: 30 })], options)!;
  assert.match(s.message, /2 agents actifs \(srv-batigest, autre\)/);
});

test('French durations', () => {
  assert.deepEqual([45, 120, 3 * 3600 + 300, 50 * 3600].map(frenchDuration), ['45 s', '2 min', '3 h 05', '2 j 2 h']);
});
