/** One published version, as the decider needs it. */
export type PublishedVersion = { version: number; effectiveFrom: string; publishedAt: string };

/** The state of a service-standard stream. Plain JSON data so it snapshots as is. */
export type PublishedServiceStandard = {
  status: 'published';
  standardId: string;
  /** Latest version and its effective date (versions only increase, dates never go backwards). */
  version: number;
  effectiveFrom: string;
  firstPublishedAt: string;
  lastPublishedAt: string;
  versions: PublishedVersion[];
  /** Recorded checklist ids -> business time. Read through `Object.hasOwn`. */
  checklists: Record<string, string>;
};

export type ServiceStandardState = { status: 'none' } | PublishedServiceStandard;

/**
 * The state of a service-standard stream without events.
 *
 * @example
 * initialServiceStandardState() // { status: 'none' }
 */
export const initialServiceStandardState = (): ServiceStandardState => ({ status: 'none' });

/**
 * The version in force on a company-time date (`YYYY-MM-DD`): the latest version whose
 * effectiveFrom is on or before it, or undefined before the first.
 *
 * @example
 * versionInForce(state, '2026-07-01') // 2
 */
export const versionInForce = (state: ServiceStandardState, date: string): number | undefined => {
  if (state.status === 'none') return undefined;
  let found: number | undefined;
  for (const v of state.versions) if (v.effectiveFrom <= date) found = v.version;
  return found;
};
