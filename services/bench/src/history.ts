// Turns simulated command requests into events through the domain's own schemas and deciders,
// with the cross-aggregate steps the application performs (credit reservation on
// order.accept and its release on order.cancel, return quantities reserved on the order,
// complaint numbers claimed), all in memory, so millions of events can be loaded by batched
// appends without going through NATS.
import { aggregates, isDomainError, streamName, type AggregateDefinition, type DomainEvent } from '@cs/domain';
import { deterministicUuid, type EventStore, type NewEvent } from '@cs/event-store';
import type { SimCommand } from '@cs/simulator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAggregate = AggregateDefinition<any, any, any>;

/** One stream's new events, as `appendBatch` takes them. */
export type PendingAppend = { streamId: string; events: NewEvent[]; expectedVersion: 'no_stream' | number };

type Stream = { state: unknown; version: number };

/**
 * An in-memory write path over the deciders: `send` decides a simulated command (and the
 * cross-aggregate steps it implies) and returns the appends it produces; refusals produce none.
 *
 * @example
 * const w = createHistoryWriter();
 * for (const c of simulate(options)) pending.push(...w.send(c));
 */
export const createHistoryWriter = () => {
  const catalogue = new Map<string, AnyAggregate>();
  for (const a of aggregates) for (const type of Object.keys(a.commands)) catalogue.set(type, a);
  const streams = new Map<string, Stream>();
  const numbers = new Map<string, string>();
  let refused = 0;

  const execute = (c: SimCommand, type: string, data: unknown, sub?: string): PendingAppend | undefined => {
    const aggregate = catalogue.get(type);
    if (!aggregate) return undefined;
    const definition = aggregate.commands[type] as AnyAggregate['commands'][string];
    const parsed = definition.schema.safeParse(data);
    if (!parsed.success) return undefined;
    const streamId = streamName(aggregate.category, definition.aggregateId(parsed.data));
    const stream = streams.get(streamId) ?? { state: aggregate.decider.initialState(), version: 0 };
    let events: DomainEvent[];
    try {
      events = aggregate.decider.decide({ type, data: parsed.data }, stream.state) as DomainEvent[];
    } catch (e) {
      if (isDomainError(e)) return undefined;
      throw e;
    }
    if (events.length === 0) return undefined;
    const commandId = sub ? `${c.commandId}/${sub}` : c.commandId;
    const occurredAt = (parsed.data as { occurredAt: string }).occurredAt;
    const expectedVersion = stream.version === 0 ? 'no_stream' : stream.version;
    for (const e of events) stream.state = aggregate.decider.evolve(stream.state, e);
    stream.version += events.length;
    streams.set(streamId, stream);
    return {
      streamId,
      expectedVersion,
      events: events.map((e, index) => ({
        // The id the command handler would derive for the same command and event.
        id: deterministicUuid(`${commandId}|${streamId}|${index}`),
        type: e.type,
        schemaVersion: aggregate.events[e.type]?.schemaVersion ?? 1,
        data: e.data,
        metadata: {
          commandId,
          correlationId: c.commandId,
          ...(sub ? { causationId: c.commandId } : {}),
          actor: { service: c.service, person: c.person },
          occurredAt,
        },
      })),
    };
  };

  const stateOf = <S>(category: string, id: string) => streams.get(streamName(category, id))?.state as S | undefined;

  const send = (c: SimCommand): PendingAppend[] => {
    const data = c.payload as Record<string, unknown> & { occurredAt: string };
    const out: PendingAppend[] = [];
    const push = (p: PendingAppend | undefined) => {
      if (p) out.push(p);
      return p !== undefined;
    };
    switch (c.type) {
      case 'order.accept': {
        const order = stateOf<{ customerId?: string; totalAmountFen?: number; status?: string }>('Order', String(data.orderId));
        if (order?.customerId && order.totalAmountFen !== undefined && (order.status === 'placed' || order.status === 'verified')) {
          const reserved = push(
            execute(c, 'customer.reserveCredit', { customerId: order.customerId, reservationId: data.orderId, amountFen: order.totalAmountFen, occurredAt: data.occurredAt }, 'reserve-credit'),
          );
          if (!reserved) {
            push(execute(c, 'order.reject', { orderId: data.orderId, reason: 'credit_refused', detail: 'credit refused', occurredAt: data.occurredAt }, 'reject'));
            break;
          }
        }
        push(execute(c, c.type, data));
        break;
      }
      case 'order.cancel': {
        const order = stateOf<{ customerId?: string }>('Order', String(data.orderId));
        if (push(execute(c, c.type, data)) && order?.customerId)
          push(execute(c, 'customer.releaseCredit', { customerId: order.customerId, reservationId: data.orderId, reason: 'cancellation', occurredAt: data.occurredAt }, 'release-credit'));
        break;
      }
      case 'return.request': {
        const lines = data.lines as { lineId: string; quantity: number }[];
        if (push(execute(c, 'order.reserveReturn', { orderId: data.orderId, returnId: data.returnId, lines: lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity })), occurredAt: data.occurredAt }, 'reserve-return')))
          push(execute(c, c.type, data));
        break;
      }
      case 'return.reject': {
        const ret = stateOf<{ orderId?: string }>('ReturnRequest', String(data.returnId));
        if (push(execute(c, c.type, data)) && ret?.orderId)
          push(execute(c, 'order.releaseReturn', { orderId: ret.orderId, returnId: data.returnId, reason: String(data.reason ?? 'return rejected'), occurredAt: data.occurredAt }, 'release-return'));
        break;
      }
      case 'complaint.receive': {
        const owner = numbers.get(String(data.number));
        if (owner !== undefined && owner !== data.complaintId) break;
        if (push(execute(c, c.type, data))) numbers.set(String(data.number), String(data.complaintId));
        break;
      }
      default:
        push(execute(c, c.type, data));
    }
    if (out.length === 0) refused++;
    return out;
  };

  return { send, refused: () => refused, streamCount: () => streams.size };
};

/**
 * Loads simulated commands into a store by batched appends (`appendBatch`, `eventsPerBatch`
 * events per call; a stream appears at most once per call) until `targetEvents` events are
 * stored. Returns how many events and commands, and the time the appends took (ms).
 *
 * @example
 * const { events, appendMs } = await loadHistory(store, simulate({ customers: 2500, days: 400, seed: 1 }), 1_000_000);
 */
export const loadHistory = async (
  store: EventStore,
  source: Iterable<SimCommand>,
  targetEvents: number,
  options: { eventsPerBatch?: number; onProgress?: (events: number) => void } = {},
): Promise<{ events: number; commands: number; refused: number; appendMs: number; totalMs: number }> => {
  if (!store.appendBatch) throw new Error(`the ${store.kind} store has no appendBatch`);
  const perBatch = options.eventsPerBatch ?? 2000;
  const writer = createHistoryWriter();
  const started = performance.now();
  let appendMs = 0;
  let events = 0;
  let commands = 0;
  let batch: PendingAppend[] = [];
  let batchEvents = 0;
  const inBatch = new Map<string, PendingAppend>();
  const flush = async () => {
    if (batch.length === 0) return;
    const t = performance.now();
    await store.appendBatch!(batch);
    appendMs += performance.now() - t;
    events += batchEvents;
    options.onProgress?.(events);
    batch = [];
    batchEvents = 0;
    inBatch.clear();
  };
  for (const c of source) {
    if (events + batchEvents >= targetEvents) break;
    commands++;
    for (const p of writer.send(c)) {
      const same = inBatch.get(p.streamId);
      // A stream goes once per batch: later events of the same stream join its entry.
      if (same) same.events.push(...p.events);
      else {
        inBatch.set(p.streamId, p);
        batch.push(p);
      }
      batchEvents += p.events.length;
    }
    if (batchEvents >= perBatch) await flush();
  }
  await flush();
  return { events, commands, refused: writer.refused(), appendMs, totalMs: performance.now() - started };
};
