/**
 * A BatiSimply port that serves time slots from memory and records every period it is asked
 * for: the tests of recup-heures see which windows the job requests, and can answer one period
 * with something the sandbox cannot give (a slot listed twice, refused items, a failure).
 */
import type { BatisimplyApi, TimeSlot, TimeSlotList } from '../../src/lib/batisimply/client.js';
import { USER_DUPONT } from './slots.js';

export interface Period {
  start: number;
  end: number;
}

export class TimeSlotsPort implements BatisimplyApi {
  /** Served by every period whose [start, end) holds the slot's start. */
  slots: TimeSlot[] = [];
  /** Answers the n-th request (0-based, counted in `calls`) when set for it; `served` is what `slots` would give. */
  script = new Map<number, (served: TimeSlotList, period: Period) => Promise<TimeSlotList>>();
  readonly calls: Period[] = [];

  listTimeSlots(start: Date, end: Date): Promise<TimeSlotList> {
    const period = { start: start.getTime(), end: end.getTime() };
    const scripted = this.script.get(this.calls.length);
    this.calls.push(period);
    const inPeriod = this.slots.filter((s) => Date.parse(s.startDate) >= period.start && Date.parse(s.startDate) < period.end);
    const served: TimeSlotList = { slots: structuredClone(inPeriod), refused: [] };
    return scripted ? scripted(served, period) : Promise.resolve(served);
  }

  /** The slot with this id, to edit between runs. */
  get(id: string): TimeSlot {
    const found = this.slots.find((s) => s.id === id);
    if (!found) throw new Error(`no slot ${id}`);
    return found;
  }

  listProjects(): never {
    throw new Error('not used by recup-heures');
  }
  readProjects(): never {
    throw new Error('not used by recup-heures');
  }
  getProject(): never {
    throw new Error('not used by recup-heures');
  }
  createProject(): never {
    throw new Error('not used by recup-heures');
  }
  updateProject(): never {
    throw new Error('not used by recup-heures');
  }
  async ping() {}
  async close() {}
}

/** A checked slot as the client hands it to the job (string id), `minutes` long from `start`. */
export function timeSlot(id: string, start: string, minutes: number, overrides: Partial<TimeSlot> = {}): TimeSlot {
  return {
    id,
    startDate: start,
    endDate: new Date(Date.parse(start) + minutes * 60_000).toISOString().replace('.000Z', 'Z'),
    user: { id: USER_DUPONT, firstName: 'Jean', lastName: 'DUPONT' },
    project: { id: 1, projectCode: 'CH001' },
    managementStatus: 'VALIDATED',
    totalTimeMinutes: minutes,
    hasPackedLunch: false,
    hasHomeToWorkJourney: false,
    ...overrides,
  };
}
