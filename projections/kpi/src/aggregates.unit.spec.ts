import { describe, expect, it } from 'vitest';
import { noneTouched, touchedBy } from './aggregates.ts';
import type { KpiEvent } from './event-data.ts';

const ev = (type: string, data: Record<string, unknown>): KpiEvent => ({ id: 'e', streamId: 's', position: '1', type, data });

describe('touchedBy', () => {
  it('collects the order, complaint and return an event names', () => {
    const t = noneTouched();
    touchedBy(t, ev('OrderDelivered', { orderId: 'o1', customerId: 'c1' }));
    touchedBy(t, ev('ComplaintReceived', { complaintId: 'k1', orderId: 'o2', customerId: 'c1' }));
    touchedBy(t, ev('ReturnInspected', { returnId: 'r1', orderId: 'o3', customerId: 'c1' }));
    expect([...t.orders].sort()).toEqual(['o1', 'o2', 'o3']);
    expect([...t.complaints]).toEqual(['k1']);
    expect([...t.returns]).toEqual(['r1']);
    // Order and complaint events do not touch every fact of the customer.
    expect(t.customers.size).toBe(0);
    expect(t.allComplaints).toBe(false);
  });

  it('a customer attribute change touches the customer; a standard version every complaint', () => {
    const t = noneTouched();
    touchedBy(t, ev('CustomerClassificationChanged', { customerId: 'c1', to: 'key' }));
    touchedBy(t, ev('CustomerTypeChanged', { customerId: 'c2' }));
    touchedBy(t, ev('CustomerSurveyRecorded', { customerId: 'c3' }));
    touchedBy(t, ev('ServiceStandardPublished', { standardId: 'company', version: 2 }));
    expect([...t.customers].sort()).toEqual(['c1', 'c2']);
    expect(t.allComplaints).toBe(true);
  });

  it('ignores malformed data instead of throwing (the fact handlers report it with a code)', () => {
    const t = noneTouched();
    touchedBy(t, ev('OrderDelivered', { orderId: 42 }));
    touchedBy(t, { id: 'e', streamId: 's', position: '1', type: 'OrderPlaced', data: null });
    expect(t.orders.size + t.complaints.size + t.returns.size + t.customers.size).toBe(0);
  });
});
