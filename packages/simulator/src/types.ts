import type { Rng } from './prng.ts';

/** One command as a sending service would send it: the shape of the command bus's request. */
export type SimCommand = {
  /** Deterministic from the seed and the run index: the same run sends the same ids. */
  commandId: string;
  type: string;
  payload: Record<string, unknown>;
  /** The internal service that sends it (its NATS user). */
  service: string;
  /** The person acting, as that service declares. */
  person: string;
  /** Business time (ms since epoch); equals `payload.occurredAt`. Commands come in this order. */
  at: number;
  /**
   * Commands with the same partition must be handled in order (they touch the same customer's
   * streams); different partitions may run concurrently.
   */
  partition: string;
  /** The error code the write path is expected to answer (a credit refusal), else absent. */
  expectedError?: string;
};

export type SimulationOptions = {
  /** Number of customers opened (>= 1). */
  customers: number;
  /** Number of days simulated (>= 1). */
  days: number;
  /** The seed: the same options give the same commands. */
  seed: number;
  /** First simulated day, `YYYY-MM-DD` in company time (default `defaultStartDate`). */
  startDate?: string;
  /** Distinguishes the runs that share one data directory: it goes into every id. */
  runIndex?: number;
};

/** Counts of what the simulation produced (filled while it is consumed). */
export type SimulationStats = {
  commands: number;
  byType: Record<string, number>;
  customers: Record<'key' | 'suitable' | 'general', number>;
  deliveries: number;
  columns: Record<string, number>;
  orders: number;
  lateDispatches: number;
  lateDeliveries: number;
  shortages: number;
  damagedDeliveries: number;
  losses: number;
  cancellations: number;
  verificationRejections: number;
  creditRefusals: number;
  complaints: number;
  escalations: number;
  reopens: number;
  returns: number;
  returnsConfirmed: number;
  returnsUnconfirmed: number;
  returnsRejected: number;
};

/** The default first simulated day: fixed and in the past, so every run is reproducible. */
export const defaultStartDate = '2026-01-05';

/** The company time zone's offset (Asia/Shanghai has no daylight saving time). */
export const companyUtcOffset = '+08:00';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/**
 * The business-time window a simulation covers: [from, to) in ms since the epoch.
 *
 * @example
 * simulationWindow({ customers: 10, days: 7, seed: 1 }); // { from: 2026-01-05T00:00+08:00, to: + 7 days }
 */
export const simulationWindow = (options: Pick<SimulationOptions, 'days' | 'startDate'>): { from: number; to: number } => {
  const startDate = options.startDate ?? defaultStartDate;
  const from = Date.parse(`${startDate}T00:00:00${companyUtcOffset}`);
  return { from, to: from + options.days * DAY };
};

/** ISO time with `Z` of a ms instant. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The company-time calendar date (`YYYY-MM-DD`) of a ms instant. */
export const companyDate = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 10);


/** All counters at zero. */
export const emptyStats = (): SimulationStats => ({
  commands: 0,
  byType: {},
  customers: { key: 0, suitable: 0, general: 0 },
  deliveries: 0,
  columns: {},
  orders: 0,
  lateDispatches: 0,
  lateDeliveries: 0,
  shortages: 0,
  damagedDeliveries: 0,
  losses: 0,
  cancellations: 0,
  verificationRejections: 0,
  creditRefusals: 0,
  complaints: 0,
  escalations: 0,
  reopens: 0,
  returns: 0,
  returnsConfirmed: 0,
  returnsUnconfirmed: 0,
  returnsRejected: 0,
});

/** What a simulation step can do: emit a command now, schedule a later step. */
export type SimContext = {
  rng: Rng;
  prefix: string;
  stats: SimulationStats;
  window: { from: number; to: number };
  emit: (at: number, type: string, payload: Record<string, unknown>, service: string, person: string, partition: string, expectedError?: string) => void;
  schedule: (at: number, step: () => void) => void;
  nextId: (kind: string) => string;
};

