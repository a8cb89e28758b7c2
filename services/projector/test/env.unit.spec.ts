import { describe, expect, it } from 'vitest';
import { readEnv } from '../src/index.ts';

describe('projector env', () => {
  it('reads defaults and coerces numbers', () => {
    const env = readEnv({ DATABASE_URL: 'postgres://root@127.0.0.1:5432/cs', PROJECTOR_BATCH_SIZE: '50' });
    expect(env).toMatchObject({ EVENT_STORE: 'postgres', PROJECTOR_BATCH_SIZE: 50, PROJECTOR_CATCH_UP_BATCH_SIZE: 5000, PROJECTOR_SETTLE_HELPERS: 2, PROJECTOR_LEASE_MS: 10_000, PROJECTOR_STOP_TIMEOUT_MS: 20_000, PROJECTOR_AUTO_PROMOTE: true, LOG_LEVEL: 'info' });
  });
  it('names every bad variable', () => {
    expect(() => readEnv({ DATABASE_URL: 'mysql://x', PROJECTOR_BATCH_SIZE: '0', LOG_LEVEL: 'loud' })).toThrowError(
      /DATABASE_URL: must be a postgres:\/\/ URL.*PROJECTOR_BATCH_SIZE.*LOG_LEVEL/,
    );
    expect(() => readEnv({})).toThrowError(/DATABASE_URL/);
    expect(() => readEnv({ DATABASE_URL: 'postgres://h/db', PROJECTOR_CATCH_UP_BATCH_SIZE: '0' })).toThrowError(/PROJECTOR_CATCH_UP_BATCH_SIZE/);
  });
  it('treats an empty variable as unset, as the cs CLI does', () => {
    const empty = { EVENT_STORE: '', EVENT_STORE_URL: '', EVENTSTORE_URL: ' ', CS_DATA_DIR: '', PROJECTOR_BATCH_SIZE: '', PROJECTOR_CATCH_UP_BATCH_SIZE: '', PROJECTOR_SETTLE_HELPERS: '', PROJECTOR_LEASE_MS: '', PROJECTOR_POLL_MS: '', PROJECTOR_STOP_TIMEOUT_MS: '', PROJECTOR_AUTO_PROMOTE: '', LOG_LEVEL: '' };
    expect(readEnv({ DATABASE_URL: 'postgres://h/db', ...empty })).toEqual(readEnv({ DATABASE_URL: 'postgres://h/db' }));
    expect(readEnv({ DATABASE_URL: 'postgres://h/db', ...empty }).EVENT_STORE_URL).toBeUndefined();
    // an empty required one is missing, and named
    expect(() => readEnv({ DATABASE_URL: '' })).toThrowError(/DATABASE_URL/);
  });
  it('needs EVENTSTORE_URL for EventStoreDB', () => {
    expect(() => readEnv({ DATABASE_URL: 'postgres://h/db', EVENT_STORE: 'eventstoredb' })).toThrowError(/EVENTSTORE_URL/);
    expect(readEnv({ DATABASE_URL: 'postgres://h/db', EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://h:2113' }).EVENT_STORE).toBe('eventstoredb');
  });
});
