import { DeliverPolicy, type NatsConnection } from 'nats';
import { AuditError } from './errors.ts';
import type { AnchorSink, AnchorSource, SignedHead } from './anchor.ts';

/** The JetStream stream that keeps every signed stream head. */
export const AUDIT_HEADS_STREAM = 'CS_AUDIT_HEADS';

const token = (s: string): string =>
  // NATS subject tokens may not hold '.', '*', '>' or white space
  /^[A-Za-z0-9_\-:]+$/.test(s) ? s : `~${Buffer.from(s, 'utf8').toString('base64url')}`;

/**
 * The subject a stream's heads are published on: `cs.audit.head.<category>.<id>`
 * (`Complaint-7` -> `cs.audit.head.Complaint.7`; ids with characters a subject cannot hold
 * are base64url-encoded behind a `~`).
 *
 * @example
 * headSubject('Complaint-7'); // 'cs.audit.head.Complaint.7'
 */
export const headSubject = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  const category = dash > 0 ? streamId.slice(0, dash) : '_';
  const id = dash > 0 ? streamId.slice(dash + 1) : streamId;
  return `cs.audit.head.${token(category)}.${token(id || '_')}`;
};

/**
 * Anchors in JetStream (`CS_AUDIT_HEADS`, subjects `cs.audit.head.>`): creates the stream if
 * missing (file storage, direct get allowed, `replicas` 3 in a cluster), publishes each head
 * with a message id `<streamId>@<version>` so a retried publish is stored once, and reads a
 * stream's heads back with direct gets.
 *
 * @example
 * const anchors = await jetStreamAnchors(nc);
 * await anchorStreamHead({ store, sink: anchors, key, now }, 'Complaint-7');
 */
export const jetStreamAnchors = async (
  nc: NatsConnection,
  options: { replicas?: number } = {},
): Promise<AnchorSink & AnchorSource & { latest: () => Promise<SignedHead[]> }> => {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(AUDIT_HEADS_STREAM);
  } catch {
    try {
      await jsm.streams.add({
        name: AUDIT_HEADS_STREAM,
        subjects: ['cs.audit.head.>'],
        allow_direct: true,
        num_replicas: options.replicas ?? 1,
        deny_delete: true,
        deny_purge: true,
      });
    } catch (e) {
      // created meanwhile by another process: fine
      await jsm.streams.info(AUDIT_HEADS_STREAM).catch(() => {
        throw new AuditError('anchor_unavailable', `cannot create ${AUDIT_HEADS_STREAM}: ${(e as Error).message}`);
      });
    }
  }
  const js = nc.jetstream();
  return {
    publish: async (head) => {
      await js.publish(headSubject(head.streamId), JSON.stringify(head), { msgID: `${head.streamId}@${head.version}` });
    },
    heads: async (streamId) => {
      const subject = headSubject(streamId);
      try {
        const info = await jsm.streams.info(AUDIT_HEADS_STREAM, { subjects_filter: subject });
        const count = info.state.subjects?.[subject] ?? 0;
        if (count === 0) return [];
        const consumer = await js.consumers.get(AUDIT_HEADS_STREAM, { filterSubjects: subject });
        const out: SignedHead[] = [];
        const batch = await consumer.fetch({ max_messages: count, expires: 5000 });
        for await (const m of batch) {
          const head = JSON.parse(new TextDecoder().decode(m.data)) as SignedHead;
          if (head.streamId === streamId) out.push(head);
          if (m.info.pending === 0) break;
        }
        return out;
      } catch (e) {
        throw new AuditError('anchor_unavailable', `cannot read ${AUDIT_HEADS_STREAM}: ${(e as Error).message}`);
      }
    },
    // the last head of every subject (of every stream, but for ids sharing a subject): what
    // `cs audit anchor` needs to skip the heads already anchored at their version
    latest: async () => {
      try {
        const info = await jsm.streams.info(AUDIT_HEADS_STREAM);
        if (info.state.num_subjects === 0 || info.state.messages === 0) return [];
        const consumer = await js.consumers.get(AUDIT_HEADS_STREAM, { filterSubjects: 'cs.audit.head.>', deliver_policy: DeliverPolicy.LastPerSubject });
        const out: SignedHead[] = [];
        for (let done = false; !done; ) {
          let got = 0;
          for await (const m of await consumer.fetch({ max_messages: 1000, expires: 5000 })) {
            got += 1;
            out.push(JSON.parse(new TextDecoder().decode(m.data)) as SignedHead);
            if (m.info.pending === 0) {
              done = true;
              break;
            }
          }
          if (got === 0) done = true;
        }
        return out;
      } catch (e) {
        throw new AuditError('anchor_unavailable', `cannot read ${AUDIT_HEADS_STREAM}: ${(e as Error).message}`);
      }
    },
  };
};
