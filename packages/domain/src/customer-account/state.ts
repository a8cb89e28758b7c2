import type { Classification, CustomerType, RegionalGrade } from '../shared/reference.ts';
import type { CreditLimits } from './commands.ts';
import type { CustomerAccountStatus } from './events.ts';

/** One credit reservation (per order): what was reserved and how much has been released. */
export type CreditReservationState = {
  reservedFen: number;
  releasedFen: number;
  reservedAt: string;
};

/** Ids of the records kept on the account, mapped to their business time. */
export type RecordIds = Record<string, string>;

/**
 * The state of an account stream. Plain JSON data so it snapshots as is. Maps keyed by
 * caller-supplied ids are read only through `Object.hasOwn` (ids cannot be `__proto__`).
 */
export type ExistingCustomerAccount = {
  status: CustomerAccountStatus;
  customerId: string;
  openedAt: string;
  region: string;
  customerType: CustomerType;
  classification: Classification;
  regionalGrade: RegionalGrade;
  accountOwner: string;
  localSalesperson: string;
  needs?: string;
  creditLimits: CreditLimits;
  /** Sum over reservations of reserved - released, integer fen. */
  outstandingFen: number;
  reservations: Record<string, CreditReservationState>;
  /** Business time of the last status step (opened, suspended, reinstated). */
  lastStatusAt: string;
  suspendedAt?: string;
  /** Business time of the last change of each attribute (the open time at first). */
  changedAt: { classification: string; regionalGrade: string; customerType: string; creditLimits: string; needs: string };
  visits: RecordIds;
  callbacks: RecordIds;
  feedback: RecordIds;
  surveys: RecordIds;
  evaluations: RecordIds;
};

export type CustomerAccountState = { status: 'none' } | ExistingCustomerAccount;

/**
 * The state of an account stream without events.
 *
 * @example
 * initialCustomerAccountState() // { status: 'none' }
 */
export const initialCustomerAccountState = (): CustomerAccountState => ({ status: 'none' });

/**
 * What is still reserved under one reservation (0 when unknown or fully released).
 *
 * @example
 * remainingReservedFen(state, 'o-1') // 12500
 */
export const remainingReservedFen = (state: ExistingCustomerAccount, reservationId: string): number => {
  const r = Object.hasOwn(state.reservations, reservationId) ? state.reservations[reservationId] : undefined;
  return r ? r.reservedFen - r.releasedFen : 0;
};
