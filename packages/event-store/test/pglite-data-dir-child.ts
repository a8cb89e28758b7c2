// Child of pglite-data-dir.int.spec.ts: opens the data directory under its lock, writes a row,
// says so, then waits to be killed (or for "close" on stdin).
import { openPgliteDataDir } from '../src/index.ts';

const db = await openPgliteDataDir(process.argv[2]!);
await db.pglite.exec('create table if not exists t (v int); insert into t values (1)');
process.send?.({ open: true });
process.on('message', async (m) => {
  if (m === 'close') {
    await db.close();
    process.exit(0);
  }
});
