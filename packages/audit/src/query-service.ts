import type { Msg, NatsConnection, Subscription } from 'nats';
import { isAuditError } from './errors.ts';
import { auditComplaint, type AuditDeps } from './report.ts';

/** The subject of the audit query. */
export const AUDIT_QUERY_SUBJECT = 'cs.query.audit.complaint';

/** The reply: the complete audit (as `--format json`) or a coded error. */
export type AuditQueryReply =
  | { ok: true; audit: unknown }
  | { ok: false; error: { code: string; message: string } };

/**
 * Serves `cs.query.audit.complaint` (queue group `cs-audit`), up to 8 audits at once. The request is the JSON of an
 * `AuditRequest` (`{complaint, asOf?, at?, withOrder?, reader}`); NATS permissions let only
 * the auditor user publish on `cs.query.audit.>` (docs/security.md), so every request is an
 * auditor's, logged with `principal` and the declared `reader`.
 *
 * @example
 * const svc = startAuditQueryService(nc, { ...auditDeps, principal: 'nats:auditor' });
 * // client: await nc.request('cs.query.audit.complaint', JSON.stringify({ complaint: 'C-1', reader: 'li.wei' }))
 * await svc.stop();
 */
export const startAuditQueryService = (
  nc: NatsConnection,
  deps: AuditDeps & {
    principal?: string;
    onError?: (e: unknown) => void;
    /** The subject served. Default `cs.query.audit.complaint`; only tests sharing a NATS server change it. */
    subject?: string;
    /** Audits answered at once. Default 8. */
    concurrency?: number;
  },
): { subscription: Subscription; stop: () => Promise<void> } => {
  const sub = nc.subscribe(deps.subject ?? AUDIT_QUERY_SUBJECT, { queue: 'cs-audit' });
  const principal = deps.principal ?? 'nats:auditor';
  const answer = async (data: Uint8Array): Promise<AuditQueryReply> => {
    let input: unknown;
    try {
      input = JSON.parse(new TextDecoder().decode(data));
    } catch {
      return { ok: false, error: { code: 'invalid_argument', message: 'the request is not JSON' } };
    }
    try {
      const audit = await auditComplaint(deps, input, { via: 'nats', principal });
      return { ok: true, audit: JSON.parse(JSON.stringify(audit, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v))) };
    } catch (e) {
      if (isAuditError(e)) return { ok: false, error: { code: e.code, message: e.message } };
      deps.onError?.(e);
      return { ok: false, error: { code: 'internal', message: 'the audit could not be read; see the service log' } };
    }
  };
  const encoded = (reply: AuditQueryReply): string => {
    const text = JSON.stringify(reply);
    const max = nc.info?.max_payload;
    if (max === undefined || Buffer.byteLength(text, 'utf8') <= max) return text;
    // a reply NATS cannot carry: publishing it throws (and would end this loop)
    return JSON.stringify({
      ok: false,
      error: { code: 'internal', message: `the audit is ${Buffer.byteLength(text, 'utf8')} bytes, more than the NATS max_payload of ${max}: read it with cs audit complaint --format json` },
    } satisfies AuditQueryReply);
  };
  const respond = async (msg: Msg): Promise<void> => {
    const reply = await answer(msg.data);
    try {
      if (msg.reply) msg.respond(encoded(reply));
    } catch (e) {
      // one failed reply (connection closing, …) must not stop the service
      deps.onError?.(e);
    }
  };
  // Up to `concurrency` audits at once, so a long one (a scan for a number no claim names) does
  // not hold the others behind it; beyond, requests wait in the subscription.
  const concurrency = Math.max(1, deps.concurrency ?? 8);
  const running = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      const task = respond(msg).finally(() => running.delete(task));
      running.add(task);
      if (running.size >= concurrency) await Promise.race(running);
    }
    await Promise.all(running);
  })();
  return {
    subscription: sub,
    stop: async () => {
      await sub.drain();
      await loop;
    },
  };
};
