/**
 * What profiling found behind each goal that can be missed (node --cpu-prof of the command
 * round trip and of the projector child, plus the statements each path sends). Added to the
 * findings only when the row's goal is missed in the run.
 */
export const profiledCauses: Record<string, string> = {
  cmd_rt_p50:
    'Cause (profile of the round trip: 32 % idle waiting on PostgreSQL, 28 % in socket writev/writeBuffer, the rest spread thin: zod, canonical JSON, sha-256): one `order.place` costs 13 sequential PostgreSQL round trips against the baseline\'s 1 — findOutcome, loadSnapshot, readStream, then BEGIN, stream advisory lock, shared store lock, outcome claim, readHeads, INSERT events, upsert streams, UPDATE outcome, COMMIT. Owners: packages/event-store (send the append as one statement or one server-side function: lock + claim + head check + insert + head upsert + outcome in a single round trip) and packages/application (read snapshot + events in one query; the separate findOutcome is redundant with the claim inside the append transaction for the happy path).',
  cmd_64:
    'Cause: the same 13 round trips per command hold one of the handler\'s 20 pooled connections for the whole command, against the baseline\'s 64 connections doing one round trip each; on two cores NATS, Node and PostgreSQL share the CPU and the writev syscalls per statement dominate the handler\'s own CPU time. Owners: packages/event-store and packages/application (fewer round trips, see the round-trip finding); the pool size (20) is services/command-handler\'s setting.',
  append_seq:
    'Cause: `append` sends 8 statements in its transaction (BEGIN, two advisory locks, readHeads, INSERT via jsonb_array_elements, upsert streams, COMMIT, plus the outcome claim/update when idempotent) against one autocommit INSERT; the commit\'s fsync dominates both, which is why the sequential ratio is closest to the goal. Owner: packages/event-store (one round trip per append).',
  append_32:
    'Cause: as for sequential appends, but at 32 in flight the 8 round trips per append are paid on every connection while the raw baseline\'s single statement lets PostgreSQL group-commit many more rows per fsync; the store-wide shared advisory lock adds lock-manager traffic per append. Owner: packages/event-store.',
  append_b100:
    'Cause: a 100-event append validates every event with zod, canonicalises its JSON (RFC 8785) and chains sha-256 hashes in Node, then ships one jsonb array that PostgreSQL unpacks with jsonb_array_elements and re-parses per row; the raw baseline binds 300 parameters into one VALUES list. Owner: packages/event-store (e.g. COPY or unnest of typed arrays instead of a jsonb array; cheaper canonicalisation).',
  rebuild:
    'Cause (profile of the projector child, taken on KPI v1: 78 % idle waiting on PostgreSQL; kysely query building about 3 %; v2 keeps the same loop and adds a per-batch refresh of the totals): the KPI projection applies events one at a time (`for (const event of events) await applyKpiEvent(scoped, event)`), each event one or more upserts, so a 500-event batch is hundreds of sequential round trips inside its transaction, while the raw keyset read fetches 1,000 rows per round trip. Owner: projections/kpi (group a batch\'s writes per table and send them as multi-row upserts — one statement per table per batch).',
  rss_end: 'Cause: see the RSS rows; the projector\'s memory should not grow with the number of events read (the runtime reads pages of 500).',
  aggregate_load:
    "Cause: the CustomerAccount state keeps every credit reservation it ever saw (`reservations: Record<reservationId, ...>`, for idempotency by reservation id), so the snapshot of a 10,000-event account holds ~5,000 reservations and loading it parses that whole jsonb; the events after the snapshot are at most 99. Owner: packages/domain (customer-account state: keep open reservations only and bound the idempotency memory, e.g. released ids as a compact set or by order of reservation).",
};
