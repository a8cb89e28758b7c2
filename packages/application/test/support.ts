import { aggregates } from '@cs/domain';
import { EventStoreError, type EventStore, type NewEvent } from '@cs/event-store';
import { createCommandHandler, crossAggregateProcesses, type CommandHandlerOptions } from '../src/index.ts';
import { businessClock, openCustomer, placeOrder } from './fixtures.ts';

/** A handler over `store` with every aggregate and the cross-aggregate processes. */
export const handlerOn = (store: EventStore, extra: Partial<CommandHandlerOptions> = {}) =>
  createCommandHandler({ store, aggregates, processes: crossAggregateProcesses, ...extra });

export type Handler = ReturnType<typeof handlerOn>;

let seq = 0;
/** Sends one command with a fresh command id (or the given one). */
export const send = (handler: Handler, type: string, payload: Record<string, unknown>, commandId = `c-${++seq}-${type}`, extra: { person?: string; correlationId?: string } = {}) =>
  handler.handle({ commandId, type, payload, service: 'test-service', ...extra });

/** Every event in the store, in global order. */
export const allEvents = async (store: EventStore) => (await store.readAll({ limit: 100_000 })).events;

/**
 * A store decorator that makes `append` fail (once per match) for events matching `when`,
 * before anything is written: the "second step fails" fault.
 */
export const failingAppends = (store: EventStore, when: (streamId: string, events: NewEvent[]) => boolean, times = 1) => {
  let left = times;
  const append: EventStore['append'] = async (streamId, events, options) => {
    if (left > 0 && when(streamId, events)) {
      left--;
      throw new EventStoreError('unavailable', 'injected failure', true);
    }
    return store.append(streamId, events, options);
  };
  return decorate(store, { append });
};

/** Opens a customer and places an order; returns ids and the business clock. */
export const customerWithOrder = async (handler: Handler, suffix: string, caps?: { singleOrderCapFen: number; outstandingCapFen: number }) => {
  const at = businessClock();
  const customerId = `C-${suffix}`;
  const orderId = `O-${suffix}`;
  const opened = await send(handler, 'customer.open', openCustomer(customerId, at(), caps));
  const placed = await send(handler, 'order.place', placeOrder(orderId, customerId, at()));
  if (!opened.ok || !placed.ok) throw new Error(`setup failed: ${JSON.stringify([opened, placed])}`);
  return { customerId, orderId, at };
};

/** The order total of `placeOrder`'s default lines: 10 x 1250 + 4 x 9900 fen. */
export const DEFAULT_ORDER_TOTAL = 10 * 1250 + 4 * 9900;

/** `store` with some methods replaced (the others bound to the original). */
export const decorate = (store: EventStore, overrides: Partial<EventStore>): EventStore =>
  new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof EventStore];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
