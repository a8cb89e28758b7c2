import type { OrderExceptionKind } from './commands.ts';
import type { OrderStatus, OrderReturnLine } from './events.ts';

/** One order line as the decider needs it. */
export type OrderLineState = {
  lineId: string;
  quantity: number;
  unitPriceFen: number;
  /** Set once prepared. */
  pickedQuantity?: number;
  /** Set once delivered. */
  deliveredQuantity?: number;
};

export type OrderExceptionState = {
  exceptionId: string;
  kind: OrderExceptionKind;
  raisedAt: string;
  resolvedAt?: string;
};

export type ReturnReservationState = {
  returnId: string;
  /** Sorted by lineId. */
  lines: OrderReturnLine[];
  reservedAt: string;
  releasedAt?: string;
};

/**
 * The state of an order stream. Plain JSON data (arrays, no Maps) so it snapshots as is;
 * exceptions and returns are arrays searched by id, never objects keyed by caller-supplied ids.
 */
export type ExistingOrder = {
  status: OrderStatus;
  orderId: string;
  customerId: string;
  lines: OrderLineState[];
  totalAmountFen: number;
  promisedDispatchAt: string;
  promisedDeliveryAt: string;
  placedAt: string;
  verifiedAt?: string;
  acceptedAt?: string;
  preparedAt?: string;
  pickedInFull?: boolean;
  dispatchedAt?: string;
  lastTrackingAt?: string;
  deliveredAt?: string;
  lostAt?: string;
  /** Business time of the latest lifecycle step: the next step may not be earlier. */
  lastStepAt: string;
  /** A damage exception was raised or a line was handed over damaged. */
  damageRecorded: boolean;
  exceptions: OrderExceptionState[];
  returns: ReturnReservationState[];
};

export type OrderState = { status: 'none' } | ExistingOrder;

/**
 * The state of an order stream without events.
 *
 * @example
 * initialOrderState() // { status: 'none' }
 */
export const initialOrderState = (): OrderState => ({ status: 'none' });

/** Statuses from which no lifecycle step follows. */
export const terminalOrderStatuses: readonly OrderStatus[] = ['completed', 'cancelled', 'rejected', 'lost'];

/**
 * Sum of active (unreleased) return reservations for one line.
 *
 * @example
 * reservedReturnQuantity(state, 'L1') // 3
 */
export const reservedReturnQuantity = (state: ExistingOrder, lineId: string): number =>
  state.returns
    .filter((r) => r.releasedAt === undefined)
    .reduce((sum, r) => sum + (r.lines.find((l) => l.lineId === lineId)?.quantity ?? 0), 0);
