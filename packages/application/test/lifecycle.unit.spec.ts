import { aggregates } from '@cs/domain';
import { createInMemoryEventStore } from '@cs/event-store';
import { describe, expect, it } from 'vitest';
import { createCommandHandler, crossAggregateProcesses } from '../src/index.ts';
import { fullLifecycle } from './fixtures.ts';

describe('every command type through the handler (in-memory store)', () => {
  it('a realistic lifecycle per aggregate: each step appends the expected events', async () => {
    const store = createInMemoryEventStore();
    const handler = createCommandHandler({ store, aggregates, processes: crossAggregateProcesses });
    const steps = fullLifecycle('life');
    for (const [i, step] of steps.entries()) {
      const reply = await handler.handle({ commandId: `cmd-${i}`, type: step.type, payload: step.payload, service: 'test' });
      expect(reply, `${i}: ${step.type}`).toMatchObject({ ok: true, eventTypes: step.events, duplicate: false });
    }
    const covered = new Set(steps.map((s) => s.type));
    const all = aggregates.flatMap((a) => Object.keys(a.commands));
    expect(all.filter((t) => !covered.has(t))).toEqual([]);
  });
});
