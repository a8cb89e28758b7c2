import { describe, expect, it } from 'vitest';
import { hashableOf, isSealed, memoryKeyRing, recomputeHash, seal, unseal, verifyStream } from '../src/index.ts';
import { chainedStream, headsFor, KEY } from './fixtures.ts';

describe('crypto-shredding', () => {
  it('seals personal data; erasing the key erases it and the chain still verifies', async () => {
    const ring = memoryKeyRing();
    const contact = await seal(ring, 'cust-1', { name: '王芳', phone: '13800000000' });
    expect(isSealed(contact)).toBe(true);
    expect(JSON.stringify(contact)).not.toContain('王芳');
    const events = chainedStream('Complaint-s1', [{ type: 'ComplaintReceived', data: { complaintId: 's1', contact } }]);
    const heads = headsFor(events);
    expect(await unseal(ring, contact)).toEqual({ value: { name: '王芳', phone: '13800000000' } });
    await ring.erase('cust-1');
    expect(await unseal(ring, contact)).toEqual({ erased: true });
    await expect(seal(ring, 'cust-1', 'x')).rejects.toThrow(/erased/);
    expect(verifyStream('Complaint-s1', events.map(hashableOf), heads, KEY, recomputeHash)).toMatchObject({ ok: true, anchor: 'verified' });
  });
});
