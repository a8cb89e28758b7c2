import { describe, expect, it } from 'vitest';
import { readEnv } from '../src/env.ts';

describe('command handler environment: pool and kept-state settings', () => {
  it('defaults: a pool of 20, 10,000 kept stream states, unknown streams assumed new', () => {
    const env = readEnv({ DATABASE_URL: 'postgres://root@127.0.0.1:5432/db' });
    expect(env).toMatchObject({ EVENT_STORE: 'postgres', PG_POOL_MAX: 20, STATE_CACHE_SIZE: 10_000, ASSUME_NEW_STREAMS: true, MAX_IN_FLIGHT: 1024 });
  });

  it('set: pool size, no kept states, load first on unknown streams; a Unix-socket URL is accepted', () => {
    const env = readEnv({ DATABASE_URL: 'postgres://root@localhost/db?host=/var/run/postgresql', PG_POOL_MAX: '32', STATE_CACHE_SIZE: '0', ASSUME_NEW_STREAMS: 'false' });
    expect(env).toMatchObject({ PG_POOL_MAX: 32, STATE_CACHE_SIZE: 0, ASSUME_NEW_STREAMS: false });
  });

  it('refuses a bad value with the variable named', () => {
    expect(() => readEnv({ PG_POOL_MAX: '0' })).toThrow(/PG_POOL_MAX/);
    expect(() => readEnv({ ASSUME_NEW_STREAMS: 'maybe' })).toThrow(/ASSUME_NEW_STREAMS/);
  });

  it('an empty variable counts as unset, as in the cs CLI and the projector', () => {
    const empty = { EVENT_STORE: '', DATABASE_URL: ' ', EVENTSTORE_URL: '', CS_DATA_DIR: '', PG_POOL_MAX: '', AUDIT_HMAC_KEY: '', LOG_LEVEL: '', CS_SUBJECT_PREFIX: '', NATS_URL: '', NATS_USER: '', NATS_PASSWORD: '' };
    const env = readEnv(empty);
    const defaults = readEnv({});
    expect(env).toEqual(defaults);
    expect(env).toMatchObject({ EVENT_STORE: 'pglite', CS_DATA_DIR: '.data', PG_POOL_MAX: 20, LOG_LEVEL: 'info' });
    expect(env.AUDIT_HMAC_KEY).toBeUndefined();
  });
});
