import { describe, expect, it } from 'vitest';
import { claimInForce, COMPLAINT_NUMBER_CLAIMED, COMPLAINT_NUMBER_RELEASED, complaintNumberStream, isStaleClaim } from './index.ts';

const claim = (complaintId: unknown, streamVersion: number) => ({ type: COMPLAINT_NUMBER_CLAIMED, data: { number: 'C-1', complaintId }, streamVersion });
const release = (streamVersion: number) => ({ type: COMPLAINT_NUMBER_RELEASED, data: { number: 'C-1', complaintId: 'c-1' }, streamVersion });

describe('complaint number claims', () => {
  it('names the claim stream of a number', () => {
    expect(complaintNumberStream('C-2024-000123')).toBe('ComplaintNumber-C-2024-000123');
  });

  it('the claim in force is the last event when that is a claim', () => {
    expect(claimInForce([])).toBeUndefined();
    expect(claimInForce([claim('c-1', 1)])).toEqual({ complaintId: 'c-1', version: 1 });
    expect(claimInForce([claim('c-1', 1), release(2)])).toBeUndefined();
    expect(claimInForce([claim('c-1', 1), release(2), claim('c-2', 3)])).toEqual({ complaintId: 'c-2', version: 3 });
  });

  it('a claim whose event names no complaint id holds the number with the id empty', () => {
    expect(claimInForce([claim(42, 1)])).toEqual({ complaintId: '', version: 1 });
    expect(claimInForce([{ type: COMPLAINT_NUMBER_CLAIMED, data: null, streamVersion: 1 }])).toEqual({ complaintId: '', version: 1 });
  });

  it('a claim is stale only when its complaint was received with another number', () => {
    expect(isStaleClaim('C-1', undefined)).toBe(false);
    expect(isStaleClaim('C-1', 'C-1')).toBe(false);
    expect(isStaleClaim('C-1', 'C-2')).toBe(true);
  });
});
