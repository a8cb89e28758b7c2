import { createPostgresEventStore, type EventStore } from '@cs/event-store';

/** The real PostgreSQL event store, in the test database (schema `event_store`). */
export const openStore = async (url: string): Promise<EventStore> => createPostgresEventStore({ connectionString: url, max: 3 });
