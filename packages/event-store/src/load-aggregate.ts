import type { EventStore, LoadedStream } from './port.ts';

/**
 * The usable snapshot, the events after it and (when `commandId` is given) the kept outcome:
 * one read on stores with `loadStream` (SQL), otherwise `loadSnapshot` + `readStream` (+ `findOutcome`).
 *
 * @example
 * const { snapshot, events, outcome } = await loadStream(store, 'Order-42', { snapshotSchemaVersion: 1, commandId: 'cmd-1' });
 */
export const loadStream = async (store: EventStore, streamId: string, options: { snapshotSchemaVersion: number; commandId?: string }): Promise<LoadedStream> => {
  if (store.loadStream) return store.loadStream(streamId, options);
  const outcome = options.commandId === undefined ? undefined : await store.findOutcome(options.commandId);
  const stored = await store.loadSnapshot(streamId);
  const snapshot = stored && stored.schemaVersion === options.snapshotSchemaVersion ? stored : undefined;
  const events = await store.readStream(streamId, snapshot ? { fromVersion: snapshot.version + 1 } : {});
  return { snapshot, events, outcome };
};

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
  const { snapshot: usable, events } = await loadStream(store, streamId, { snapshotSchemaVersion: options.snapshotSchemaVersion });
  let state = usable ? (usable.state as S) : initial;
  for (const e of events) state = evolve(state, { type: e.type, data: e.data });
  const version = events[events.length - 1]?.streamVersion ?? usable?.version ?? 0;
  return { state, version, fromSnapshot: usable?.version ?? 0, eventsRead: events.length };
};
