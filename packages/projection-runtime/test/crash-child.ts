// A projector process for the crash test: runs the 'crash' counts projection and, when
// CRASH_AT_BATCH=n, SIGKILLs itself inside the n-th batch transaction, right before it commits.
import { createProjectionRuntime } from '../src/index.ts';
import { openStore } from './store.ts';
import { countsProjection, readModelDb } from './support.ts';

const url = process.env.DATABASE_URL!;
const crashAt = Number(process.env.CRASH_AT_BATCH ?? '0');
let batches = 0;
const db = readModelDb(url, `crash-child-${process.pid}`);
const store = await openStore(url);
const projection = countsProjection(1, {
  name: 'crash',
  instance: String(process.pid),
  beforeCommit: () => {
    batches += 1;
    if (batches === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
const runtime = createProjectionRuntime({ db, store, projections: [projection], batchSize: 7, catchUpBatchSize: 7, pollMs: 20, leaseMs: 400, standbyPollMs: 50 });
process.on('SIGTERM', () => {
  void runtime.stop().then(async () => {
    await store.close();
    await db.destroy();
    process.exit(0);
  });
});
process.send?.('started');
