// verifyStream on a long stream: it must verify, not overflow the call stack.
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, recomputeHash, type HashableEvent, verifyStream } from '../src/index.ts';

describe('verifyStream on 200,000 events', () => {
  it('verifies the chain (Math.max over a spread of every version overflowed the stack)', () => {
    const events: HashableEvent[] = [];
    let prevHash = GENESIS_HASH;
    for (let v = 1; v <= 200_000; v += 1) {
      const e: HashableEvent = {
        id: `e${v}`, streamId: 'Complaint-long', streamVersion: v, type: 'ComplaintProgressNotified', schemaVersion: 1,
        data: { complaintId: 'long', message: `note ${v}` },
        metadata: { commandId: `c${v}`, correlationId: `c${v}`, actor: { service: 'call-centre' }, occurredAt: '2024-05-01T08:00:00.000Z', recordedAt: '2024-05-01T08:00:00.000Z' },
        hash: '', prevHash,
      };
      e.hash = recomputeHash(e);
      prevHash = e.hash;
      events.push(e);
    }
    expect(verifyStream('Complaint-long', events, [], undefined, recomputeHash)).toMatchObject({ ok: true, eventsChecked: 200_000, unanchoredFrom: 1 });
  });
});
