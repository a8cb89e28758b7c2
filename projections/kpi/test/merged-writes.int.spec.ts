import { createReadModelDatabase } from '@cs/read-model';
import { createTestDatabase, type TestDatabase } from '@cs/testing';
import fc from 'fast-check';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergedTable, runTogether, type TableSpec } from '../src/merged-writes.ts';

// Merged writes must have exactly the effect of the per-event statements they replace, in
// event order: here the reference is those statements written by hand (INSERT ... ON
// CONFLICT for creating writes, UPDATE for the others), against one statement per table.

const spec: TableSpec = {
  table: 't',
  key: [{ name: 'k', type: 'text' }],
  columns: [
    { name: 'owner', type: 'text', merge: 'insert', absent: "'none'" },
    { name: 'at', type: 'timestamptz', merge: 'set' },
    { name: 'note', type: 'text', merge: 'set' },
    { name: 'first_at', type: 'timestamptz', merge: 'least' },
    { name: 'resolved_at', type: 'timestamptz', merge: 'first' },
    { name: 'count', type: 'integer', merge: 'greatest', absent: '0' },
  ],
};
const columns = ['owner', 'at', 'note', 'first_at', 'resolved_at', 'count'] as const;
type Op = { k: string; create: boolean; fields: Partial<Record<(typeof columns)[number], string | number | null>> };

const time = fc.integer({ min: 0, max: 50 }).map((h) => new Date(Date.UTC(2026, 0, 1, h)).toISOString());
const opArb: fc.Arbitrary<Op> = fc.record({
  k: fc.constantFrom('a', 'b', 'c'),
  create: fc.boolean(),
  fields: fc.record(
    {
      owner: fc.constantFrom('o1', 'o2'),
      at: time,
      note: fc.option(fc.constantFrom('x', 'y', "it's"), { nil: null }),
      first_at: time,
      resolved_at: time,
      count: fc.integer({ min: 0, max: 5 }),
    },
    { requiredKeys: [] },
  ),
});

/** What the per-event statements did: one INSERT ... ON CONFLICT or UPDATE per write. */
const reference = async (db: Kysely<any>, schema: string, op: Op) => {
  const set = Object.keys(op.fields) as (typeof columns)[number][];
  const value = (c: (typeof columns)[number]) => op.fields[c] ?? null;
  const combined = (c: (typeof columns)[number], stored: string) => {
    const v = sql`${value(c)}::${sql.raw(c === 'count' ? 'integer' : c === 'owner' || c === 'note' ? 'text' : 'timestamptz')}`;
    if (c === 'first_at') return sql`least(${sql.raw(stored)}, ${v})`;
    if (c === 'resolved_at') return sql`coalesce(${sql.raw(stored)}, ${v})`;
    if (c === 'count') return sql`greatest(${sql.raw(stored)}, ${v})`;
    return v;
  };
  const updatable = set.filter((c) => c !== 'owner');
  if (op.create) {
    const inserted = ['k', ...set];
    const values = [sql`${op.k}`, ...set.map((c) => (c === 'count' ? sql`coalesce(${value(c)}::integer, 0)` : combined(c, 'NULL')))];
    const onConflict = updatable.length === 0 ? sql`DO NOTHING` : sql`DO UPDATE SET ${sql.join(updatable.map((c) => sql`${sql.ref(c)} = ${combined(c, `t.${c}`)}`))}`;
    await sql`INSERT INTO ${sql.raw(schema)}.t AS t (${sql.join(inserted.map((c) => sql.ref(c)))}) VALUES (${sql.join(values)}) ON CONFLICT (k) ${onConflict}`.execute(db);
  } else if (updatable.length > 0) {
    await sql`UPDATE ${sql.raw(schema)}.t AS t SET ${sql.join(updatable.map((c) => sql`${sql.ref(c)} = ${combined(c, `t.${c}`)}`))} WHERE k = ${op.k}`.execute(db);
  }
};

let tdb: TestDatabase;
let db: Kysely<any>;
beforeAll(async () => {
  tdb = await createTestDatabase('kpi_merged_writes');
  db = createReadModelDatabase<any>({ kind: 'postgres', url: tdb.url, max: 2 });
  for (const s of ['ref', 'merged']) {
    await sql.raw(`CREATE SCHEMA ${s}`).execute(db);
    await sql.raw(`CREATE TABLE ${s}.t (k text PRIMARY KEY, owner text NOT NULL DEFAULT 'none', at timestamptz, note text,
      first_at timestamptz, resolved_at timestamptz, count integer NOT NULL DEFAULT 0)`).execute(db);
    await sql.raw(`CREATE TABLE ${s}.p (k text PRIMARY KEY, kind text NOT NULL, at timestamptz NOT NULL)`).execute(db);
    await sql.raw(`CREATE TABLE ${s}.t2 (LIKE ${s}.t INCLUDING ALL)`).execute(db);
  }
});
afterAll(async () => {
  await db?.destroy();
  await tdb?.drop();
});

const rows = async (schema: string) =>
  (await sql<Record<string, unknown>>`SELECT * FROM ${sql.raw(schema)}.t ORDER BY k`.execute(db)).rows;

describe('merged writes', () => {
  it('one statement per table has the effect of the per-event statements in order (also over stored rows)', async () => {
    let generations = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 6 }), fc.array(opArb, { minLength: 1, maxLength: 25 }), async (stored, batch) => {
        for (const s of ['ref', 'merged']) await sql.raw(`TRUNCATE ${s}.t`).execute(db);
        // The same stored rows in both, written the reference way.
        for (const op of stored) for (const s of ['ref', 'merged']) await reference(db, s, { ...op, create: true });
        for (const op of batch) await reference(db, 'ref', op);
        const w = mergedTable(spec);
        for (const op of batch) w.upsert({ k: op.k, ...op.fields }, op.create);
        const before = w.size();
        if (before > new Set(batch.map((o) => o.k)).size) generations += 1;
        await w.flush(db, 'merged');
        expect(w.size()).toBe(0);
        expect(await rows('merged')).toEqual(await rows('ref'));
      }),
      { numRuns: 100 },
    );
    // An update-only write before a creating one for the same row opens a second generation.
    expect(generations).toBeGreaterThan(0);
  });

  it('the first generations of several tables in one statement, the later ones after it, have the effect of each table flushed alone', async () => {
    const spec2: TableSpec = { ...spec, table: 't2' };
    const rows2 = async () => (await sql<Record<string, unknown>>`SELECT * FROM merged.t2 ORDER BY k`.execute(db)).rows;
    let together = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 6 }), fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.array(opArb, { minLength: 1, maxLength: 25 }), async (stored, batch, batch2) => {
        for (const t of ['ref.t', 'ref.t2', 'merged.t', 'merged.t2']) await sql.raw(`TRUNCATE ${t}`).execute(db);
        for (const op of stored) for (const s of ['ref', 'merged']) await reference(db, s, { ...op, create: true });
        await sql.raw('INSERT INTO merged.t2 SELECT * FROM merged.t').execute(db);
        for (const op of batch) await reference(db, 'ref', op);
        const w = mergedTable(spec);
        const w2 = mergedTable(spec2);
        for (const op of batch) w.upsert({ k: op.k, ...op.fields }, op.create);
        for (const op of batch2) w2.upsert({ k: op.k, ...op.fields }, op.create);
        const lists = [w.take('merged'), w2.take('merged')];
        await runTogether(db, lists.map((l) => l[0]!));
        together += 1;
        for (const l of lists) for (const st of l.slice(1)) await st.execute(db);
        expect(await rows('merged')).toEqual(await rows('ref'));
        // t2 took batch2: its reference, written the per-event way into ref.t2 over the same stored rows
        await sql.raw('TRUNCATE ref.t').execute(db);
        for (const op of stored) await reference(db, 'ref', { ...op, create: true });
        for (const op of batch2) await reference(db, 'ref', op);
        expect(await rows2()).toEqual(await rows('ref'));
      }),
      { numRuns: 60 },
    );
    expect(together).toBe(60);
  });

  it('rows that all create and carry every column (a plain upsert, no read of the stored row first) have the same effect', async () => {
    // Without `absent` defaults and with every column in every write, the generation's rows go
    // through the ON CONFLICT-only statement; a generation with an update-only write does not.
    const noDefaults: TableSpec = { ...spec, columns: spec.columns.map(({ absent: _, ...c }) => c) };
    const fullArb: fc.Arbitrary<Op> = fc.record({
      k: fc.constantFrom('a', 'b', 'c'),
      create: fc.oneof(fc.constant(true), fc.boolean()),
      fields: fc.record({
        owner: fc.constantFrom('o1', 'o2'),
        at: time,
        note: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
        first_at: time,
        resolved_at: time,
        count: fc.integer({ min: 0, max: 5 }),
      }),
    });
    let allCreating = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fullArb, { maxLength: 4 }), fc.array(fullArb, { minLength: 1, maxLength: 8 }), async (stored, batch) => {
        for (const s of ['ref', 'merged']) await sql.raw(`TRUNCATE ${s}.t`).execute(db);
        for (const op of stored) for (const s of ['ref', 'merged']) await reference(db, s, { ...op, create: true });
        for (const op of batch) await reference(db, 'ref', op);
        if (batch.every((o) => o.create)) allCreating += 1;
        const w = mergedTable(noDefaults);
        for (const op of batch) w.upsert({ k: op.k, ...op.fields }, op.create);
        await w.flush(db, 'merged');
        expect(await rows('merged')).toEqual(await rows('ref'));
      }),
      { numRuns: 100 },
    );
    expect(allCreating).toBeGreaterThan(10);
  });

  it('an append-only table (every column written on creation only) keeps the first creating write per row', async () => {
    const points: TableSpec = { table: 'p', key: [{ name: 'k', type: 'text' }], columns: [{ name: 'kind', type: 'text', merge: 'insert' }, { name: 'at', type: 'timestamptz', merge: 'insert' }] };
    const pointArb = fc.record({ k: fc.constantFrom('e1', 'e2', 'e3'), create: fc.boolean(), kind: fc.constantFrom('dispatch', 'update'), at: time });
    await fc.assert(
      fc.asyncProperty(fc.array(pointArb, { maxLength: 4 }), fc.array(pointArb, { minLength: 1, maxLength: 15 }), async (stored, batch) => {
        for (const s of ['ref', 'merged']) await sql.raw(`TRUNCATE ${s}.p`).execute(db);
        const insert = (s: string, p: { k: string; kind: string; at: string }) =>
          sql`INSERT INTO ${sql.raw(s)}.p (k, kind, at) VALUES (${p.k}, ${p.kind}, ${p.at}::timestamptz) ON CONFLICT (k) DO NOTHING`.execute(db);
        for (const p of stored) for (const s of ['ref', 'merged']) await insert(s, p);
        for (const p of batch) if (p.create) await insert('ref', p);
        const w = mergedTable(points);
        for (const p of batch) w.upsert({ k: p.k, kind: p.kind, at: p.at }, p.create);
        await w.flush(db, 'merged');
        const read = async (s: string) => (await sql`SELECT * FROM ${sql.raw(s)}.p ORDER BY k`.execute(db)).rows;
        expect(await read('merged')).toEqual(await read('ref'));
      }),
      { numRuns: 100 },
    );
  });

  it('quotes values: a value with quotes and a key with SQL in it are stored verbatim', async () => {
    await sql.raw('TRUNCATE merged.t').execute(db);
    const w = mergedTable(spec);
    w.upsert({ k: "x'); DROP TABLE merged.t; --", owner: 'o', note: "it's \"quoted\"" }, true);
    await w.flush(db, 'merged');
    expect(await rows('merged')).toMatchObject([{ k: "x'); DROP TABLE merged.t; --", owner: 'o', note: "it's \"quoted\"", count: 0 }]);
  });
});
