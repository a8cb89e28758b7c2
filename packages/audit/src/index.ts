export { AuditError, isAuditError, type AuditErrorCode } from './errors.ts';
export {
  anchorMessage,
  signHead,
  headSignatureValid,
  anchorKeyFromEnv,
  anchorStreamHead,
  anchorAllHeads,
  latestAnchored,
  memoryAnchors,
  fileAnchors,
  type StreamHead,
  type SignedHead,
  type AnchorSink,
  type AnchorSource,
} from './anchor.ts';
export { jetStreamAnchors, headSubject, AUDIT_HEADS_STREAM } from './jetstream-anchors.ts';
export { verifyStream, GENESIS_HASH, type Verification, type Problem, type ProblemKind, type HashableEvent } from './verify.ts';
export { hashableOf, recomputeHash } from './hashing.ts';
export { buildTimeline, summarise, type TimelineEntry } from './timeline.ts';
export { parseMoment, eventsAt, stateAt, type Moment } from './as-of.ts';
export { handlingTimes, type HandlingTimes } from './handling-times.ts';
export { findComplaint, listComplaints, type ComplaintRef, type ComplaintListing } from './find-complaint.ts';
export { memoryAccessLog, sqlAccessLog, eventStoreAccessLog, AUDIT_ACCESS_STREAM, type AccessLog, type AccessEntry, type LoggedAccess, type SqlExecutor } from './access-log.ts';
export { auditMigrationSql, applyAuditMigration, type AuditMigrationOptions } from './migration.ts';
export {
  auditComplaint,
  auditRequestSchema,
  type AuditRequest,
  type AuditDeps,
  type AuditAggregates,
  type ComplaintAudit,
  type StreamAudit,
} from './report.ts';
export { formatAudit, type AuditFormat } from './format.ts';
export { startAuditQueryService, AUDIT_QUERY_SUBJECT, type AuditQueryReply } from './query-service.ts';
export { seal, unseal, isSealed, memoryKeyRing, type KeyRing, type SealedValue } from './shredding.ts';
export { auditViewStore } from './view-store.ts';
