// Measures the KPI projection's write path: events per second through handleKpiEvents in
// batches of 500 (one transaction each, as the runtime does), on a synthetic history.
//   pnpm exec tsx test/measure-projection.ts [orders]
import { createReadModelDatabase, migrateSchema } from '@cs/read-model';
import { createTestDatabase } from '@cs/testing';
import { handleKpiEvents, kpiMigrations } from '../src/index.ts';
import { history } from './history.ts';

const orders = Number(process.argv[2] ?? 5_000);
const tdb = await createTestDatabase('kpi_measure_write');
const db = createReadModelDatabase<any>({ kind: 'postgres', url: tdb.url, max: 2 });
try {
  await migrateSchema(db, 'kpi_v2', kpiMigrations);
  const h = history();
  for (let c = 1; c <= 200; c += 1) h.opened(`c${c}`, '2026-01-01T00:00:00Z', { classification: 'key', standardColumn: 'private', region: 'East' });
  const base = Date.parse('2026-01-02T00:00:00Z');
  const at = (i: number, hours: number) => new Date(base + i * 300_000 + hours * 3_600_000).toISOString();
  for (let i = 0; i < orders; i += 1) {
    const id = `o${i}`;
    const c = `c${1 + (i % 200)}`;
    h.placed(id, c, at(i, 0), { dispatch: at(i, 24), delivery: at(i, 72) });
    h.accepted(id, c, at(i, 1));
    h.prepared(id, c, at(i, 3));
    h.dispatched(id, c, at(i, 5 + (i % 30)));
    h.tracking(id, c, at(i, 20));
    if (i % 100 === 0) h.lost(id, c, at(i, 40));
    else h.delivered(id, c, at(i, 40 + (i % 50)), { damaged: i % 70 === 0 });
    if (i % 10 === 0) h.complaint(`k${i}`, c, at(i, 60), { category: i % 20 === 0 ? 'damage' : 'delay', orderId: id });
  }
  const events = h.events;
  const t0 = Date.now();
  for (let i = 0; i < events.length; i += 500) {
    await db.transaction().execute((trx) => handleKpiEvents(trx, 'kpi_v2', events.slice(i, i + 500)));
  }
  const ms = Date.now() - t0;
  console.log(`${events.length} events (${orders} orders) in ${ms} ms: ${Math.round((events.length / ms) * 1000)} events/s`);
} finally {
  await db.destroy();
  await tdb.drop();
}
