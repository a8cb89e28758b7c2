import { type Kysely, type RawBuilder, sql } from 'kysely';

// A batch's fact-table writes, merged in memory per row key and sent as ONE statement per
// table, with exactly the effect the per-event statements had in event order: every event's
// write is an upsert (or an update of an existing row) whose columns combine with the stored
// row in one of a few ways, and those combinations compose. The stored row is read in the
// same statement (LEFT JOIN) so the combination happens in SQL against what is stored.

/**
 * How a column combines an event's value with the stored one:
 * - `set`: the event's value (also null) replaces it;
 * - `least` / `greatest`: the smaller / larger of the two (nulls ignored);
 * - `first`: the stored value if there is one (coalesce(stored, new));
 * - `insert`: only written when the row is created (e.g. the customer of an order).
 */
export type Merge = 'set' | 'least' | 'greatest' | 'first' | 'insert';

export type ColumnSpec = { name: string; type: string; merge?: Merge; /** SQL value when neither stored nor set. */ absent?: string };

/** A table written through merged writes: its key columns and its other columns. */
export type TableSpec = { table: string; key: readonly { name: string; type: string }[]; columns: readonly ColumnSpec[] };

type Pending = { row: Record<string, unknown>; create: boolean };

const timeOf = (v: unknown): number => Date.parse(String(v));

/** An event's value merged into the pending row's (`insert` columns never get here: see `upsert`). */
const combine = (merge: Exclude<Merge, 'insert'>, held: unknown, value: unknown): unknown => {
  if (held === undefined) return value;
  switch (merge) {
    case 'set':
      return value;
    case 'first':
      return held ?? value;
    case 'least':
      if (held === null) return value;
      if (value === null) return held;
      return (typeof held === 'number' ? held <= (value as number) : timeOf(held) <= timeOf(value)) ? held : value;
    case 'greatest':
      if (held === null) return value;
      if (value === null) return held;
      return (typeof held === 'number' ? held >= (value as number) : timeOf(held) >= timeOf(value)) ? held : value;
  }
};

/** The value a row of the jsonb parameter carries for a column (NULL when absent). */
const valueOf = (c: { name: string; type: string }): string => `(e.j->>'${c.name}')::${c.type}`;

const columnSql = (c: ColumnSpec, presentKey: string): string => {
  const v = valueOf(c);
  const has = `(e.j ? '${c.name}')`;
  const t = `t.${c.name}`;
  const merged = ((): string => {
    switch (c.merge ?? 'set') {
      case 'set':
        return `CASE WHEN ${has} THEN ${v} ELSE ${t} END`;
      case 'insert':
        return `CASE WHEN t.${presentKey} IS NULL THEN ${v} ELSE ${t} END`;
      case 'first':
        return `CASE WHEN ${has} THEN coalesce(${t}, ${v}) ELSE ${t} END`;
      case 'least':
        return `CASE WHEN ${has} THEN least(${t}, ${v}) ELSE ${t} END`;
      case 'greatest':
        return `CASE WHEN ${has} THEN greatest(${t}, ${v}) ELSE ${t} END`;
    }
  })();
  return c.absent === undefined ? merged : `coalesce(${merged}, ${c.absent})`;
};

/** The one statement that writes a table's merged rows, split around its one parameter (the rows as a jsonb array). */
const upsertStatement = (schema: string, spec: TableSpec): [string, string] => {
  const keys = spec.key.map((k) => k.name);
  const all = [...keys, ...spec.columns.map((c) => c.name)];
  const join = spec.key.map((k) => `t.${k.name} = ${valueOf(k)}`).join(' AND ');
  const select = [...spec.key.map(valueOf), ...spec.columns.map((c) => columnSql(c, keys[0]!))];
  const update = spec.columns.map((c) => `${c.name} = excluded.${c.name}`);
  if (spec.columns.every((c) => c.merge === 'insert' && c.absent === undefined)) {
    // Every column is written only when the row is created (an append-only table): an
    // INSERT of the creating writes that leaves existing rows alone, no read of them needed.
    return [
      `INSERT INTO ${schema}.${spec.table} (${all.join(', ')})
    SELECT ${[...spec.key, ...spec.columns].map(valueOf).join(', ')}
    FROM jsonb_array_elements(`,
      `::jsonb) AS e(j)
    WHERE (e.j->>'$create')::boolean
    ON CONFLICT (${keys.join(', ')}) DO NOTHING`,
    ];
  }
  return [
    `INSERT INTO ${schema}.${spec.table} (${all.join(', ')})
    SELECT ${select.join(',\n      ')}
    FROM jsonb_array_elements(`,
    `::jsonb) AS e(j)
    LEFT JOIN ${schema}.${spec.table} t ON ${join}
    WHERE (e.j->>'$create')::boolean OR t.${keys[0]} IS NOT NULL
    ON CONFLICT (${keys.join(', ')}) DO ${update.length === 0 ? 'NOTHING' : `UPDATE SET ${update.join(', ')}`}`,
  ];
};

/**
 * The statement for a generation whose rows all create and carry every column, of a table
 * without `absent` defaults: a plain upsert that combines with the stored row in its ON
 * CONFLICT clause (`t` the stored row, `excluded` the written one), no join to read it first.
 * Same effect: with every column present, `set` is the written value, `insert` keeps the
 * stored one, `first` / `least` / `greatest` combine the two.
 */
const fullRowStatement = (schema: string, spec: TableSpec): [string, string] | undefined => {
  if (spec.columns.some((c) => c.absent !== undefined)) return undefined;
  const keys = spec.key.map((k) => k.name);
  const all = [...keys, ...spec.columns.map((c) => c.name)];
  const update = spec.columns.flatMap((c) => {
    switch (c.merge ?? 'set') {
      case 'set':
        return [`${c.name} = excluded.${c.name}`];
      case 'insert':
        return [];
      case 'first':
        return [`${c.name} = coalesce(t.${c.name}, excluded.${c.name})`];
      case 'least':
        return [`${c.name} = least(t.${c.name}, excluded.${c.name})`];
      case 'greatest':
        return [`${c.name} = greatest(t.${c.name}, excluded.${c.name})`];
    }
  });
  return [
    `INSERT INTO ${schema}.${spec.table} AS t (${all.join(', ')})
    SELECT ${[...spec.key, ...spec.columns].map(valueOf).join(', ')}
    FROM jsonb_array_elements(`,
    `::jsonb) AS e(j)
    ON CONFLICT (${keys.join(', ')}) DO ${update.length === 0 ? 'NOTHING' : `UPDATE SET ${update.join(', ')}`}`,
  ];
};

// Built once per table spec and schema, not once per batch.
const statements = new WeakMap<TableSpec, Map<string, { general: [string, string]; fullRows: [string, string] | undefined }>>();
const statementFor = (schema: string, spec: TableSpec): { general: [string, string]; fullRows: [string, string] | undefined } => {
  let bySchema = statements.get(spec);
  if (!bySchema) statements.set(spec, (bySchema = new Map()));
  let statement = bySchema.get(schema);
  if (!statement) bySchema.set(schema, (statement = { general: upsertStatement(schema, spec), fullRows: fullRowStatement(schema, spec) }));
  return statement;
};

/**
 * The pending writes of one table. `upsert` records an event's write (`create`: the event
 * creates the row when it is missing, as an upsert; otherwise it only changes an existing row,
 * as an UPDATE). `flush` sends them (one statement per generation, see below) and empties them.
 *
 * `take` returns them as statements instead (see `runTogether`).
 *
 * @example
 * const w = mergedTable(spec); w.upsert({ order_id: 'o1', customer_id: 'c1', placed_at }, true); await w.flush(db, 'kpi_v2');
 */
export const mergedTable = (spec: TableSpec) => {
  // Rows merge within a generation. A creating write to a row that holds only update-only
  // writes (whether those applied depends on the stored row) opens a new generation, sent
  // after the previous one: never on a stream's own order, where the creating event is first.
  let generations: Map<string, Pending>[] = [new Map()];
  const merges = new Map(spec.columns.map((c) => [c.name, c.merge ?? 'set'] as const));
  const keyNames = spec.key.map((k) => k.name);
  const columnNames = spec.columns.map((c) => c.name);
  const keyOf = (row: Record<string, unknown>) => (keyNames.length === 1 ? String(row[keyNames[0]!]) : keyNames.map((k) => String(row[k])).join('\u0000'));
  /** The pending writes as statements (one per generation, to be run in this order), emptied. */
  const take = (schema: string): RawBuilder<unknown>[] => {
    const pending = generations.filter((g) => g.size > 0);
    generations = [new Map()];
    if (pending.length === 0) return [];
    const statement = statementFor(schema, spec);
    return pending.map((generation) => {
      const rows: Record<string, unknown>[] = [];
      let full = statement.fullRows !== undefined;
      for (const p of generation.values()) {
        p.row.$create = p.create;
        rows.push(p.row);
        if (full && (!p.create || !columnNames.every((c) => p.row[c] !== undefined))) full = false;
      }
      const [head, tail] = full ? statement.fullRows! : statement.general;
      return sql`${sql.raw(head)}${JSON.stringify(rows)}${sql.raw(tail)}`;
    });
  };
  const flush = async (db: Kysely<any>, schema: string): Promise<void> => {
    for (const statement of take(schema)) await statement.execute(db);
  };
  const upsert = (row: Record<string, unknown>, create: boolean): void => {
    const key = keyOf(row);
    let current = generations[generations.length - 1]!;
    const held = current.get(key);
    if (!held || (create && !held.create)) {
      if (held) {
        current = new Map();
        generations.push(current);
      }
      current.set(key, { row, create });
      return;
    }
    for (const name in row) {
      const merge = merges.get(name);
      // A column written only when the row is created takes the entry's first creating
      // write (here the entry exists: it was created already, or this write only updates).
      if (merge === 'insert') continue;
      held.row[name] = merge === undefined ? row[name] : combine(merge, held.row[name], row[name]);
    }
    if (create) held.create = true;
  };
  return { upsert, flush, take, size: () => generations.reduce((n, g) => n + g.size, 0) };
};

export type MergedTable = ReturnType<typeof mergedTable>;

/**
 * Runs statements that write different tables and read only the table they write (as the first
 * generations of several merged tables do) as ONE statement, each a data-modifying CTE: the
 * same effect as running them one after another, in one round trip instead of one each (a
 * batch's statements otherwise wait, each, for the projector's event loop).
 *
 * @example
 * await runTogether(db, [orders.take('kpi_v2')[0]!, lines.take('kpi_v2')[0]!]);
 */
export const runTogether = async (db: Kysely<any>, statements: readonly RawBuilder<unknown>[]): Promise<void> => {
  if (statements.length === 0) return;
  if (statements.length === 1) {
    await statements[0]!.execute(db);
    return;
  }
  const parts = statements.map((st, i) => sql`w${sql.raw(String(i))} AS (${st})`);
  await sql`WITH ${sql.join(parts, sql`, `)} SELECT 1`.execute(db);
};
