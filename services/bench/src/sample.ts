import type { NewEvent } from '@cs/event-store';

/** A realistic order.place payload (what the simulator sends), with the order id given. */
export const placeOrderPayload = (orderId: string, occurredAt = '2026-01-05T00:34:51.000Z'): Record<string, unknown> => ({
  orderId,
  customerId: 'C-bench-1',
  channel: 'web',
  lines: [
    { lineId: 'L1', sku: 'OIL-5L', description: 'Peanut oil 5 L', quantity: 29, unitPriceFen: 9800 },
    { lineId: 'L2', sku: 'RICE-10KG', description: 'Rice 10 kg', quantity: 12, unitPriceFen: 6500 },
  ],
  urgent: false,
  dispatchPreference: 'standard',
  promisedDeliveryAt: '2026-01-07T14:34:51.000Z',
  occurredAt,
});

/**
 * The event every append figure writes (OrderPlaced-shaped, about 600 bytes of JSON), and the
 * same content as one jsonb payload for the raw baselines, so both sides store the same bytes.
 *
 * @example
 * await store.append('Order-1', [sampleEvent('1')], { expectedVersion: 'no_stream' });
 */
export const sampleEvent = (id: string): NewEvent => ({
  type: 'OrderPlaced',
  data: {
    ...placeOrderPayload(id),
    totalAmountFen: 29 * 9800 + 12 * 6500,
    promisedDispatchAt: '2026-01-06T00:34:51.000Z',
  },
  metadata: {
    commandId: `cmd-${id}`,
    correlationId: `cmd-${id}`,
    actor: { service: 'order-desk', person: 'desk.wang' },
    occurredAt: '2026-01-05T00:34:51.000Z',
  },
});

/**
 * The raw baselines' row payload: the sample event's type, data and metadata as one JSON text.
 *
 * @example
 * await pool.query('INSERT INTO raw_events (stream_id, stream_version, payload) VALUES ($1, 1, $2)', ['s-1', rawPayload('1')]);
 */
export const rawPayload = (id: string): string => {
  const e = sampleEvent(id);
  return JSON.stringify({ type: e.type, data: e.data, metadata: e.metadata });
};
