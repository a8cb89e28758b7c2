import { EventStoreError } from './errors.ts';
import type { RecordedEvent } from './port.ts';

/** One step that turns an event's data from one schema version into the next. */
export type Upcaster = { fromVersion: number; toVersion: number; up: (data: unknown) => unknown };

/** Applies the registered steps to events on read; adapters take one as `upcasters`. */
export type Upcasters = { apply: (event: RecordedEvent) => RecordedEvent };

/**
 * A registry of upcasters per event type, applied on read by every adapter (readStream,
 * readAll, subscribe). Steps chain: v1 -> v2 -> v3. A step that throws becomes
 * `EventStoreError('internal')` naming the event.
 *
 * @example
 * const upcasters = createUpcasters({ OrderPlaced: [{ fromVersion: 1, toVersion: 2, up: (d) => ({ ...(d as object), channel: 'phone' }) }] });
 * const store = createInMemoryEventStore({ upcasters });
 */
export const createUpcasters = (registry: Record<string, readonly Upcaster[]>): Upcasters => {
  for (const [type, steps] of Object.entries(registry))
    for (const s of steps)
      if (!Number.isInteger(s.fromVersion) || !Number.isInteger(s.toVersion) || s.toVersion <= s.fromVersion)
        throw new EventStoreError('invalid_event', `upcaster for ${type}: toVersion must be greater than fromVersion`);
  return {
    apply: (event) => {
      const steps = registry[event.type];
      if (!steps) return event;
      let { data, schemaVersion } = event;
      for (;;) {
        const step = steps.find((s) => s.fromVersion === schemaVersion);
        if (!step) break;
        try {
          data = step.up(data);
        } catch (cause) {
          throw new EventStoreError('internal', `upcasting ${event.type} ${event.id} from v${schemaVersion} failed`, false, { cause });
        }
        schemaVersion = step.toVersion;
      }
      return schemaVersion === event.schemaVersion ? event : { ...event, data, schemaVersion };
    },
  };
};

/** No upcasting. */
export const noUpcasters: Upcasters = { apply: (e) => e };
