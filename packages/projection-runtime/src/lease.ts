import type { RuntimeDatabase } from '@cs/read-model';
import { type Kysely, sql } from 'kysely';

/** A held lease: the owner and the epoch it was granted under. */
export type Lease = { name: string; version: number; owner: string; epoch: number };

const table = 'projection_runtime.projection_leases' as const;

/** An UPDATE of `lease`'s own row (same projection version, owner and epoch). */
const updateHeld = (db: Kysely<RuntimeDatabase>, lease: Lease) =>
  db
    .updateTable(table)
    .where('name', '=', lease.name)
    .where('version', '=', lease.version)
    .where('owner', '=', lease.owner)
    .where('epoch', '=', lease.epoch);

/**
 * Takes the lease of a projection version if it is free or expired (by the database's
 * clock); returns it with a new epoch, or undefined when someone else holds it.
 *
 * @example
 * const lease = await acquireLease(db, { name: 'kpi', version: 1, owner: 'host-a-123', ms: 10_000 });
 */
export const acquireLease = async (
  db: Kysely<RuntimeDatabase>,
  args: { name: string; version: number; owner: string; ms: number },
): Promise<Lease | undefined> => {
  const interval = `${Math.max(1, Math.round(args.ms))} milliseconds`;
  const row = await db
    .insertInto(table)
    .values({
      name: args.name,
      version: args.version,
      owner: args.owner,
      epoch: 1,
      expires_at: sql<Date>`now() + ${interval}::interval`,
      acquired_at: sql<Date>`now()`,
    })
    .onConflict((oc) =>
      oc
        .columns(['name', 'version'])
        .doUpdateSet({
          owner: (eb) => eb.ref('excluded.owner'),
          epoch: sql<number>`projection_leases.epoch + 1`,
          expires_at: (eb) => eb.ref('excluded.expires_at'),
          acquired_at: sql<Date>`now()`,
        })
        .where(sql<boolean>`projection_leases.expires_at <= now()`),
    )
    .returning(['epoch'])
    .executeTakeFirst();
  return row ? { name: args.name, version: args.version, owner: args.owner, epoch: Number(row.epoch) } : undefined;
};

/**
 * Extends a held lease; false when it was lost (expired and taken, or released).
 *
 * @example
 * if (!(await renewLease(db, lease, 10_000))) stepDown();
 */
export const renewLease = async (db: Kysely<RuntimeDatabase>, lease: Lease, ms: number): Promise<boolean> => {
  const interval = `${Math.max(1, Math.round(ms))} milliseconds`;
  // Whether the lease is still valid is decided on the row as it is when the UPDATE gets it
  // (clock_timestamp), not in the WHERE: a renewal that waited behind a long batch of its
  // own leader (which holds the row FOR UPDATE and gives the lease its time back, see
  // `extendHeldLease`) would otherwise judge the row version it saw before waiting.
  const row = await updateHeld(db, lease)
    .set({ expires_at: sql<Date>`CASE WHEN expires_at > clock_timestamp() THEN greatest(expires_at, clock_timestamp() + ${interval}::interval) ELSE expires_at END` })
    .returning(sql<boolean>`expires_at > clock_timestamp()`.as('valid'))
    .executeTakeFirst();
  return row?.valid === true;
};

/**
 * Gives a held lease up at once so that a standby takes over without waiting for expiry.
 *
 * @example
 * await releaseLease(db, lease);
 */
export const releaseLease = async (db: Kysely<RuntimeDatabase>, lease: Lease): Promise<void> => {
  await updateHeld(db, lease).set({ expires_at: sql<Date>`now()` }).execute();
};

/**
 * Inside a transaction that locked the lease row with `holdsLease` at its start: gives the
 * lease back the time it had left then, counted from now. Nobody could take the lease over
 * while the row was locked, so a batch longer than the lease (a rebuild's settle) does not
 * expire it under its leader (who would step down and wait a lease period for nothing).
 *
 * @example
 * if (slow) await extendHeldLease(trx, lease);
 */
export const extendHeldLease = async (trx: Kysely<RuntimeDatabase>, lease: Lease): Promise<void> => {
  await updateHeld(trx, lease).set({ expires_at: sql<Date>`greatest(expires_at, clock_timestamp() + (expires_at - now()))` }).execute();
};

/**
 * Inside a transaction: locks the lease row (`FOR UPDATE`) and tells whether `lease` is still
 * the valid one (same owner and epoch, not expired by the database clock). Holding the row
 * lock until commit keeps anyone from taking the lease over mid-transaction. `searchPath`:
 * also sets the transaction's search_path (SET LOCAL) in the same statement.
 *
 * @example
 * if (!(await holdsLease(trx, lease))) throw new ProjectionError('fenced', '...');
 */
export const holdsLease = async (trx: Kysely<RuntimeDatabase>, lease: Lease, searchPath?: string): Promise<boolean> => {
  const row = await trx
    .selectFrom(table)
    .select(['owner', 'epoch', sql<boolean>`expires_at > now()`.as('valid')])
    .$if(searchPath !== undefined, (q) => q.select(sql<string>`set_config('search_path', ${searchPath ?? ''}, true)`.as('search_path')))
    .where('name', '=', lease.name)
    .where('version', '=', lease.version)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined && row.owner === lease.owner && Number(row.epoch) === lease.epoch && row.valid;
};

/**
 * Inside a settle helper's transaction (while the settle's fenced transaction holds the lease
 * row FOR UPDATE, so this reads it without a lock): whether `lease` still names the holder
 * (owner and epoch). Expiry is not checked: the leader's renewals wait behind its own lock.
 *
 * @example
 * if (!(await namesHolder(trx, lease))) throw new ProjectionError('fenced', '...');
 */
export const namesHolder = async (trx: Kysely<RuntimeDatabase>, lease: Lease): Promise<boolean> => {
  const row = await trx
    .selectFrom(table)
    .select(['owner', 'epoch'])
    .where('name', '=', lease.name)
    .where('version', '=', lease.version)
    .executeTakeFirst();
  return row !== undefined && row.owner === lease.owner && Number(row.epoch) === lease.epoch;
};

/**
 * The current holder of a projection version's lease, if any (expired or not).
 *
 * @example
 * const holder = await leaseHolder(db, 'kpi', 1); // { owner, epoch, expiresAt }
 */
export const leaseHolder = async (
  db: Kysely<RuntimeDatabase>,
  name: string,
  version: number,
): Promise<{ owner: string; epoch: number; expiresAt: Date; valid: boolean } | undefined> => {
  const row = await db
    .selectFrom(table)
    .select(['owner', 'epoch', 'expires_at', sql<boolean>`expires_at > now()`.as('valid')])
    .where('name', '=', name)
    .where('version', '=', version)
    .executeTakeFirst();
  return row && { owner: row.owner, epoch: Number(row.epoch), expiresAt: row.expires_at, valid: row.valid };
};
