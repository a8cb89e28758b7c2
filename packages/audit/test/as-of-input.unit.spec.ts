// `--as-of` input an auditor may mistype: a date that does not exist on the calendar must be
// refused (invalid_argument, exit 2), not read as another day.
import { describe, expect, it } from 'vitest';
import { parseMoment } from '../src/index.ts';

describe('parseMoment --as-of', () => {
  it('refuses days a month does not have and hour 24 (Date.parse rolls them into the next day)', () => {
    for (const asOf of ['2023-02-29T10:00:00Z', '2024-02-30T10:00:00Z', '2024-04-31T10:00:00+08:00', '2024-06-31T00:00Z', '2024-05-01T24:00:00Z'])
      expect(() => parseMoment({ asOf }), asOf).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });

  it('still takes real days, the leap day and zone offsets', () => {
    expect(parseMoment({ asOf: '2024-02-29T23:59:59.999Z' })).toEqual({ kind: 'asOf', asOf: '2024-02-29T23:59:59.999Z' });
    expect(parseMoment({ asOf: '2024-03-01T00:30:00+08:00' })).toEqual({ kind: 'asOf', asOf: '2024-02-29T16:30:00.000Z' });
    expect(parseMoment({ asOf: '2024-12-31T23:00-05:00' })).toEqual({ kind: 'asOf', asOf: '2025-01-01T04:00:00.000Z' });
  });
});
