// Finding a complaint by number when its claim stream holds released claims
// (docs/architecture.md "Unique complaint numbers").
import { createInMemoryEventStore, type EventStore } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { findComplaint } from '../src/index.ts';

const occurredAt = '2024-05-01T08:00:00.000Z';
let n = 0;
/** Metadata of a fresh command (each append its own: event ids derive from the command id). */
const fresh = () => {
  const commandId = `c-${++n}`;
  return { commandId, correlationId: commandId, actor: { service: 'test' }, occurredAt };
};

const received = (store: EventStore, complaintId: string, number: string) =>
  store.append(`Complaint-${complaintId}`, [{ type: 'ComplaintReceived', data: { complaintId, number, customerId: 'C-1', occurredAt }, metadata: fresh() }], { expectedVersion: 'no_stream' });
const claimed = (store: EventStore, number: string, complaintId: string, expectedVersion: number | 'no_stream') =>
  store.append(`ComplaintNumber-${number}`, [{ type: 'ComplaintNumberClaimed', data: { number, complaintId, occurredAt }, metadata: fresh() }], { expectedVersion });
const released = (store: EventStore, number: string, complaintId: string, receivedNumber: string, expectedVersion: number) =>
  store.append(
    `ComplaintNumber-${number}`,
    [{ type: 'ComplaintNumberReleased', data: { number, complaintId, reason: 'received_with_other_number', receivedNumber, occurredAt }, metadata: fresh() }],
    { expectedVersion },
  );

describe('findComplaint by number takes the claim in force', () => {
  it('a number claimed by the loser of a race, released, then claimed by another complaint: finds the last claimant', async () => {
    const store = createInMemoryEventStore();
    await received(store, 'K-1', 'TS-2024-000001');
    await claimed(store, 'TS-2024-000002', 'K-1', 'no_stream');
    await released(store, 'TS-2024-000002', 'K-1', 'TS-2024-000001', 1);
    await claimed(store, 'TS-2024-000002', 'K-2', 2);
    await received(store, 'K-2', 'TS-2024-000002');
    expect(await findComplaint(store, 'TS-2024-000002')).toEqual({ id: 'K-2', number: 'TS-2024-000002', streamId: 'Complaint-K-2' });
  });

  it('a number whose only claim was released: not found (not the complaint that released it)', async () => {
    const store = createInMemoryEventStore();
    await received(store, 'K-1', 'TS-2024-000001');
    await claimed(store, 'TS-2024-000002', 'K-1', 'no_stream');
    await released(store, 'TS-2024-000002', 'K-1', 'TS-2024-000001', 1);
    await expect(findComplaint(store, 'TS-2024-000002')).rejects.toMatchObject({ code: 'complaint_not_found' });
  });

  it('a claim whose release a crash prevented (its complaint carries another number): not that complaint', async () => {
    const store = createInMemoryEventStore();
    await received(store, 'K-1', 'TS-2024-000001');
    await claimed(store, 'TS-2024-000002', 'K-1', 'no_stream');
    await expect(findComplaint(store, 'TS-2024-000002')).rejects.toMatchObject({ code: 'complaint_not_found' });
    expect((await findComplaint(store, 'TS-2024-000001')).id).toBe('K-1'); // found by the scan: K-1 carries it
  });
});
