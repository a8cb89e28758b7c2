// The anchor export file as the audit reads it back: a line that is JSON but not a head (a
// damaged or foreign line in the append-only file) is skipped like a torn line, not a crash.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { anchorAllHeads, fileAnchors, latestAnchored, signHead } from '../src/index.ts';
import { KEY } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-audit-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fileAnchors', () => {
  it('skips lines that are JSON but not objects (null, numbers, arrays) and keeps the heads around them', async () => {
    const path = join(dir, 'heads.jsonl');
    const h1 = signHead(KEY, { streamId: 'Complaint-1', version: 1, hash: 'a'.repeat(64) }, '2024-05-01T08:00:00.000Z');
    const h2 = signHead(KEY, { streamId: 'Complaint-1', version: 2, hash: 'b'.repeat(64) }, '2024-05-01T09:00:00.000Z');
    writeFileSync(path, `${JSON.stringify(h1)}\nnull\n42\n"x"\n[1,2]\n${JSON.stringify(h2)}\n{"torn":`);
    const file = fileAnchors(path);
    expect(await file.heads('Complaint-1')).toEqual([h1, h2]);
    expect(latestAnchored(await file.all())).toEqual(new Map([['Complaint-1', 2]]));
    const store = { readAll: async () => ({ events: [], last: '', scanned: 0 }) };
    expect(await anchorAllHeads({ store, sink: file, key: KEY, now: () => 'x', anchored: latestAnchored(await file.all()) })).toBe(0);
  });
});
