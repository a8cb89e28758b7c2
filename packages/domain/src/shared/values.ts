import { z } from 'zod';

/**
 * A business time: ISO 8601 with an explicit offset or `Z`, e.g. `2026-03-01T08:30:00+08:00`.
 * Stored and compared as the instant it names.
 */
export const IsoDateTime = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof IsoDateTime>;

/** Milliseconds since the epoch of an ISO business time (pure: parses, reads no clock). */
export const instant = (iso: string): number => Date.parse(iso);

/** True when `a` is strictly before `b` as instants. */
export const isBefore = (a: string, b: string): boolean => instant(a) < instant(b);

/** A calendar date `YYYY-MM-DD`. */
export const IsoDate = z.iso.date();

/** An identifier supplied by the sending service (uuid or any other opaque token). */
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');
export type Id = z.infer<typeof Id>;

/** Money in integer minor units (fen). Never a float. */
export const MoneyFen = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type MoneyFen = z.infer<typeof MoneyFen>;

/** A whole, positive quantity of goods. */
export const Quantity = z.number().int().positive().max(1_000_000_000);
/** A whole quantity that may be zero (picked, delivered, returned). */
export const QuantityOrZero = z.number().int().nonnegative().max(1_000_000_000);

/** Free text from people: bounded, trimmed. */
export const Text = (max = 2000) => z.string().trim().min(1).max(max);
export const OptionalText = (max = 2000) => z.string().trim().max(max).optional();

/** Who acted: the service NATS authenticated, and the person that service declares. */
export const Actor = z.object({
  service: z.string().min(1).max(128),
  person: z.string().min(1).max(256).optional(),
});
export type Actor = z.infer<typeof Actor>;

/**
 * A zod refinement: every line id appears once (`lines.<i>.lineId` names the repeat).
 *
 * @example
 * z.object({ lines: z.array(Line) }).superRefine((d, ctx) => uniqueLineIds(d.lines, ctx));
 */
export const uniqueLineIds = (lines: readonly { lineId: string }[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (seen.has(l.lineId)) {
      ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineId'], message: `duplicate lineId '${l.lineId}'` });
    }
    seen.add(l.lineId);
  });
};
