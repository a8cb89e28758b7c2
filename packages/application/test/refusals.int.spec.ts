import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { businessClock, openCustomer } from './fixtures.ts';
import { allEvents, customerWithOrder, handlerOn, send, type Handler } from './support.ts';

// Found in review: bad text, re-sent returns and refused complaints on PostgreSQL.
let db: TestDatabase;
let store: EventStore;
beforeAll(async () => {
  db = await createTestDatabase('application_refusals');
  store = await createPostgresEventStore({ connectionString: db.url, max: 4 });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

const types = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.type);

describe('text no store can keep gets a validation reply, not an internal error', () => {
  it.each([
    ['U+0000', 'Wang\u0000Fang'],
    ['a lone high surrogate', 'Wang\ud800Fang'],
    ['a lone low surrogate', 'Wang\udc00Fang'],
  ])('%s in a payload field: validation naming the field, nothing stored, a retry gets the same', async (_, name) => {
    const handler = handlerOn(store);
    const at = businessClock();
    const before = (await allEvents(store)).length;
    const id = `C-bad-${name.charCodeAt(4)}`;
    for (let i = 0; i < 2; i++) {
      const reply = await send(handler, 'customer.open', { ...openCustomer(id, at()), name }, `bad-text-${name.charCodeAt(4)}`);
      expect(reply).toMatchObject({ ok: false, error: { code: 'validation', fields: [{ path: 'name' }] } });
    }
    expect((await allEvents(store)).length).toBe(before);
    // a pair of surrogates (an emoji) is ordinary text
    expect(await send(handler, 'customer.open', { ...openCustomer(id, at()), name: 'Wang \ud83d\ude00' })).toMatchObject({ ok: true });
  });

  it('in the declared person or a correlation id too', async () => {
    const handler = handlerOn(store);
    const at = businessClock();
    expect(await send(handler, 'customer.open', openCustomer('C-bad-p', at()), 'bad-person', { person: 'li\u0000na' })).toMatchObject({ ok: false, error: { code: 'validation', fields: [{ path: 'person' }] } });
    expect(await send(handler, 'customer.open', openCustomer('C-bad-p', at()), 'bad-corr', { correlationId: 'x\ud800' })).toMatchObject({ ok: false, error: { code: 'validation', fields: [{ path: 'correlationId' }] } });
  });
});

const deliveredOrder = async (handler: Handler, suffix: string) => {
  const { customerId, orderId, at } = await customerWithOrder(handler, suffix);
  const steps: [string, Record<string, unknown>][] = [
    ['order.accept', { orderId, occurredAt: at() }],
    ['order.prepare', { orderId, lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }, { lineId: 'L2', pickedQuantity: 4, stockDamaged: false }], occurredAt: at() }],
    ['order.dispatch', { orderId, carrier: 'c', transportMode: 'road', trackingNumber: 't', occurredAt: at() }],
    ['order.deliver', { orderId, signatory: 'x', lines: [{ lineId: 'L1', deliveredQuantity: 10, condition: 'intact' }, { lineId: 'L2', deliveredQuantity: 4, condition: 'intact' }], occurredAt: at() }],
  ];
  for (const [type, payload] of steps) expect(await send(handler, type, payload)).toMatchObject({ ok: true });
  return { customerId, orderId, at };
};

describe('a return request sent again does not free the quantities of the return it finds', () => {
  it('re-sent with a new command id: already_exists, the reservation stays, no return beyond the delivered quantity', async () => {
    const handler = handlerOn(store);
    const { customerId, orderId, at } = await deliveredOrder(handler, 'rv-ret');
    const request = { returnId: 'R-rv-1', orderId, customerId, slipNumber: 'RS-1', reason: 'damage', lines: [{ lineId: 'L2', quantity: 4 }], occurredAt: at() };
    expect(await send(handler, 'return.request', request, 'rv-ret-1')).toMatchObject({ ok: true, eventTypes: ['ReturnRequested'] });
    expect(await send(handler, 'return.request', request, 'rv-ret-2')).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await types(`Order-${orderId}`)).not.toContain('OrderReturnReleased');
    // all 4 delivered units of L2 are held by R-rv-1: another return of them is refused
    expect(await send(handler, 'return.request', { ...request, returnId: 'R-rv-2', slipNumber: 'RS-2' }, 'rv-ret-3')).toMatchObject({ ok: false, error: { code: 'return_exceeds_delivered' } });
  });
});

describe('a refused complaint does not take its number', () => {
  const receive = (complaintId: string, number: string, occurredAt: string) => ({
    complaintId, number, customerId: 'C-rv-k', channel: 'phone', category: 'damage', description: 'crushed', remedySought: 'refund', occurredAt,
  });
  it('complaint.receive for an existing complaint with a new number: already_exists, and the number stays free', async () => {
    const handler = handlerOn(store);
    const at = businessClock();
    await send(handler, 'customer.open', openCustomer('C-rv-k', at()));
    expect(await send(handler, 'complaint.receive', receive('K-rv-1', 'TS-2024-000101', at()))).toMatchObject({ ok: true });
    expect(await send(handler, 'complaint.receive', receive('K-rv-1', 'TS-2024-000102', at()))).toMatchObject({ ok: false, error: { code: 'already_exists' } });
    expect(await store.readStream('ComplaintNumber-TS-2024-000102')).toEqual([]);
    expect(await send(handler, 'complaint.receive', receive('K-rv-2', 'TS-2024-000102', at()))).toMatchObject({ ok: true, eventTypes: ['ComplaintReceived'] });
  });
});
