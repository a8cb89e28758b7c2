import { PGlite } from '@electric-sql/pglite';

let shared: Promise<PGlite> | undefined;
let counter = 0;

/**
 * One PGlite instance per test worker (it costs seconds and ~900 MB to start). Each caller
 * gets its own schema name to keep its tables apart; vitest runs with `isolate: false` so the
 * instance survives across the files a worker runs.
 *
 * @example
 * const { db, schema } = await sharedPglite();
 */
export const sharedPglite = async (): Promise<{ db: PGlite; schema: string }> => {
  shared ??= PGlite.create();
  const db = await shared;
  counter += 1;
  return { db, schema: `t${process.pid}_${counter}` };
};

/** A fresh PGlite instance of its own, for tests that need a whole database (close it after). */
export const ownPglite = (): Promise<PGlite> => PGlite.create();
