import type { EventStore, RecordedEvent } from './port.ts';

/**
 * Loads an aggregate's state: the stream's snapshot when it has the expected schema version,
 * then only the events after it, so loading does not grow with the stream's history.
 *
 * @example
 * const { state, version } = await loadAggregate(store, 'Order-42', decider.evolve, decider.initialState(), { snapshotSchemaVersion: 1 });
 */
export const loadAggregate = async <S>(
  store: EventStore,
  streamId: string,
  evolve: (state: S, event: { type: string; data: unknown }) => S,
  initial: S,
  options: { snapshotSchemaVersion: number },
): Promise<{ state: S; version: number; fromSnapshot: number; eventsRead: number }> => {
  const snapshot = await store.loadSnapshot(streamId);
  const usable = snapshot && snapshot.schemaVersion === options.snapshotSchemaVersion ? snapshot : undefined;
  const events: RecordedEvent[] = await store.readStream(streamId, usable ? { fromVersion: usable.version + 1 } : {});
  let state = usable ? (usable.state as S) : initial;
  for (const e of events) state = evolve(state, { type: e.type, data: e.data });
  const version = events[events.length - 1]?.streamVersion ?? usable?.version ?? 0;
  return { state, version, fromSnapshot: usable?.version ?? 0, eventsRead: events.length };
};
