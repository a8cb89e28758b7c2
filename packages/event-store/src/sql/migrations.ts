import { EventStoreError } from '../errors.ts';
import type { SqlExecutor } from './executor.ts';

/** A versioned schema step; `sql(schema)` receives the quoted schema name. */
export type Migration = {
  version: number;
  name: string;
  sql: (s: string) => string;
  /** Run `sql` as one statement instead of splitting it on ';' (function bodies). */
  single?: boolean;
};

/**
 * The server-side append (migrations 2 and 3): raises SQLSTATE CS409 with the actual head as
 * DETAIL when the head differs from the one the caller prepared the hash chain against (the
 * claim rolls back with it). Reply placeholders (p_tokens) are replaced by the positions taken here.
 */
const appendEventsSql = (s: string, o: { replace: boolean; notify: boolean }): string => `
      CREATE ${o.replace ? 'OR REPLACE ' : ''}FUNCTION ${s}.append_events(
        p_stream text, p_stream_lock text, p_all_lock text, p_channel text,
        p_head_version int, p_head_hash text,
        p_command_id text, p_request_hash text, p_reply text, p_tokens text[], p_recorded_at text,
        p_ids text[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[], p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_version int;
        v_hash text;
        v_kept record;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        n int := cardinality(p_ids);
      BEGIN
        -- The lock comes before any write: the transaction id (and so the position) is taken under it.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_lock, 0));
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        IF p_command_id IS NOT NULL THEN
          INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
          VALUES (p_command_id, p_request_hash, NULL, p_recorded_at, p_recorded_at::timestamptz)
          ON CONFLICT (command_id) DO NOTHING;
          IF NOT FOUND THEN
            SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_id;
            IF NOT FOUND THEN
              RETURN jsonb_build_object('status', 'vanished');
            END IF;
            RETURN jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
          END IF;
        END IF;
        SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_stream;
        IF NOT FOUND THEN
          v_version := 0;
          v_hash := NULL;
        END IF;
        IF v_version <> p_head_version OR (v_version > 0 AND v_hash IS DISTINCT FROM p_head_hash) THEN
          RAISE EXCEPTION 'stream head moved' USING ERRCODE = 'CS409', DETAIL = jsonb_build_object('version', v_version, 'hash', v_hash)::text;
        END IF;
        WITH ins AS (
          INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
          SELECT u.id::uuid, p_stream, p_head_version + u.n::int, u.t, u.sv, u.d::jsonb, u.m::jsonb, p_recorded_at::timestamptz, u.h, u.p
          FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_hashes, p_prev_hashes) WITH ORDINALITY AS u(id, t, sv, d, m, h, p, n)
          ORDER BY u.n
          RETURNING global_seq, stream_version
        )
        SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
        INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_stream, p_head_version + n, p_hashes[n])
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash, updated_at = now();
${o.notify ? '        PERFORM pg_notify(p_channel, p_stream);\n' : ''}        v_tx := pg_current_xact_id()::text;
        IF p_command_id IS NOT NULL THEN
          v_reply := p_reply;
          FOR i IN 1..n LOOP
            v_reply := replace(v_reply, p_tokens[i], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[i]::text, 20, '0'));
          END LOOP;
          UPDATE ${s}.command_outcomes SET reply = v_reply::jsonb WHERE command_id = p_command_id;
        END IF;
        RETURN jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
      END
      $fn$`;

/**
 * `append_events` as of migration 4 (same signature, same results as migration 3), cheaper per
 * call: both advisory locks in one statement; the head is read, checked, then moved with a plain
 * INSERT (new stream) or UPDATE instead of an upsert (under the stream lock, and the shared
 * store lock that keeps `appendBatch` out, no one else can write the head row meanwhile); a
 * single event is inserted with VALUES instead of unnest + ORDER BY + a CTE with array_agg
 * (measured inside PostgreSQL: about a third of the function's time for one event).
 */
const appendEventsSqlV4 = (s: string): string => `
      CREATE OR REPLACE FUNCTION ${s}.append_events(
        p_stream text, p_stream_lock text, p_all_lock text, p_channel text,
        p_head_version int, p_head_hash text,
        p_command_id text, p_request_hash text, p_reply text, p_tokens text[], p_recorded_at text,
        p_ids text[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[], p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        n int := cardinality(p_ids);
      BEGIN
        -- The locks come before any write: the transaction id (and so the position) is taken under them.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_lock, 0)), pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        IF p_command_id IS NOT NULL THEN
          INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
          VALUES (p_command_id, p_request_hash, NULL, p_recorded_at, p_recorded_at::timestamptz)
          ON CONFLICT (command_id) DO NOTHING;
          IF NOT FOUND THEN
            SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_id;
            IF NOT FOUND THEN
              RETURN jsonb_build_object('status', 'vanished');
            END IF;
            RETURN jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
          END IF;
        END IF;
        SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_stream;
        IF NOT FOUND THEN
          v_version := 0;
          v_hash := NULL;
        END IF;
        IF v_version <> p_head_version OR (v_version > 0 AND v_hash IS DISTINCT FROM p_head_hash) THEN
          RAISE EXCEPTION 'stream head moved' USING ERRCODE = 'CS409', DETAIL = jsonb_build_object('version', v_version, 'hash', v_hash)::text;
        END IF;
        IF v_version = 0 THEN
          INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_stream, n, p_hashes[n]);
        ELSE
          UPDATE ${s}.streams SET version = v_version + n, last_hash = p_hashes[n], updated_at = now() WHERE stream_id = p_stream;
        END IF;
        IF n = 1 THEN
          INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
          VALUES (p_ids[1]::uuid, p_stream, v_version + 1, p_types[1], p_schema_versions[1], p_data[1]::jsonb, p_metadata[1]::jsonb, p_recorded_at::timestamptz, p_hashes[1], p_prev_hashes[1])
          RETURNING global_seq INTO v_seq;
          v_seqs := ARRAY[v_seq];
        ELSE
          WITH ins AS (
            INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
            SELECT u.id::uuid, p_stream, v_version + u.n::int, u.t, u.sv, u.d::jsonb, u.m::jsonb, p_recorded_at::timestamptz, u.h, u.p
            FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_hashes, p_prev_hashes) WITH ORDINALITY AS u(id, t, sv, d, m, h, p, n)
            ORDER BY u.n
            RETURNING global_seq, stream_version
          )
          SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
        END IF;
        v_tx := pg_current_xact_id()::text;
        IF p_command_id IS NOT NULL THEN
          v_reply := p_reply;
          FOR i IN 1..n LOOP
            v_reply := replace(v_reply, p_tokens[i], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[i]::text, 20, '0'));
          END LOOP;
          UPDATE ${s}.command_outcomes SET reply = v_reply::jsonb WHERE command_id = p_command_id;
        END IF;
        RETURN jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
      END
      $fn$`;

/**
 * `append_events_group` (migration 5): the appends of several callers to distinct streams in
 * one transaction (group commit). Same checks and results per append as `append_events`, but a
 * moved head is reported as that append's result ('moved', with the actual head) instead of
 * raising, so one stale guess does not roll back the others; its outcome claim is removed with
 * it. Every stream lock is taken first, in one sorted order (no deadlock between groups), then
 * the shared store lock, so the transaction id (and so every position) is taken under all of
 * them. Per-event arrays are flat; `p_counts[i]` events belong to append i, in order.
 */
const appendEventsGroupSql = (s: string): string => `
      CREATE FUNCTION ${s}.append_events_group(
        p_streams text[], p_stream_locks text[], p_all_lock text,
        p_head_versions int[], p_head_hashes text[],
        p_command_ids text[], p_request_hashes text[], p_replies text[], p_recorded_at text[], p_counts int[],
        p_tokens text[], p_ids text[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[], p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_key bigint;
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        v_results jsonb[] := '{}';
        m int := cardinality(p_streams);
        n int;
        o int := 0;
      BEGIN
        FOR v_key IN SELECT DISTINCT hashtextextended(x, 0) FROM unnest(p_stream_locks) AS x ORDER BY 1 LOOP
          PERFORM pg_advisory_xact_lock(v_key);
        END LOOP;
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        FOR i IN 1..m LOOP
          n := p_counts[i];
          <<one>>
          BEGIN
            IF p_command_ids[i] IS NOT NULL THEN
              INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
              VALUES (p_command_ids[i], p_request_hashes[i], NULL, p_recorded_at[i], p_recorded_at[i]::timestamptz)
              ON CONFLICT (command_id) DO NOTHING;
              IF NOT FOUND THEN
                SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_ids[i];
                IF NOT FOUND THEN
                  v_results := v_results || jsonb_build_object('status', 'vanished');
                ELSE
                  v_results := v_results || jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
                END IF;
                EXIT one;
              END IF;
            END IF;
            SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_streams[i];
            IF NOT FOUND THEN
              v_version := 0;
              v_hash := NULL;
            END IF;
            IF v_version <> p_head_versions[i] OR (v_version > 0 AND v_hash IS DISTINCT FROM p_head_hashes[i]) THEN
              IF p_command_ids[i] IS NOT NULL THEN
                DELETE FROM ${s}.command_outcomes WHERE command_id = p_command_ids[i];
              END IF;
              v_results := v_results || jsonb_build_object('status', 'moved', 'version', v_version, 'hash', v_hash);
              EXIT one;
            END IF;
            IF v_version = 0 THEN
              INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_streams[i], n, p_hashes[o + n]);
            ELSE
              UPDATE ${s}.streams SET version = v_version + n, last_hash = p_hashes[o + n], updated_at = now() WHERE stream_id = p_streams[i];
            END IF;
            IF n = 1 THEN
              INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
              VALUES (p_ids[o + 1]::uuid, p_streams[i], v_version + 1, p_types[o + 1], p_schema_versions[o + 1], p_data[o + 1]::jsonb, p_metadata[o + 1]::jsonb,
                      p_recorded_at[i]::timestamptz, p_hashes[o + 1], p_prev_hashes[o + 1])
              RETURNING global_seq INTO v_seq;
              v_seqs := ARRAY[v_seq];
            ELSE
              WITH ins AS (
                INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
                SELECT u.id::uuid, p_streams[i], v_version + u.n::int, u.t, u.sv, u.d::jsonb, u.m::jsonb, p_recorded_at[i]::timestamptz, u.h, u.p
                FROM unnest(p_ids[o + 1:o + n], p_types[o + 1:o + n], p_schema_versions[o + 1:o + n], p_data[o + 1:o + n], p_metadata[o + 1:o + n],
                            p_hashes[o + 1:o + n], p_prev_hashes[o + 1:o + n]) WITH ORDINALITY AS u(id, t, sv, d, m, h, p, n)
                ORDER BY u.n
                RETURNING global_seq, stream_version
              )
              SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
            END IF;
            v_tx := pg_current_xact_id()::text;
            IF p_command_ids[i] IS NOT NULL THEN
              v_reply := p_replies[i];
              FOR k IN 1..n LOOP
                v_reply := replace(v_reply, p_tokens[o + k], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[k]::text, 20, '0'));
              END LOOP;
              UPDATE ${s}.command_outcomes SET reply = v_reply::jsonb WHERE command_id = p_command_ids[i];
            END IF;
            v_results := v_results || jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
          END;
          o := o + n;
        END LOOP;
        RETURN to_jsonb(v_results);
      END
      $fn$`;

/**
 * `append_events` as of migration 6 (same signature and results as migration 4), two writes
 * fewer per append with a command id. The kept outcome is looked up (after the locks, so a twin
 * of the same stream has committed or not started) instead of claimed with an empty row that is
 * updated at the end: the outcome is inserted once, with its final reply, after the events. A
 * twin on another stream that inserted the same command id meanwhile makes that insert conflict:
 * SQLSTATE CS40D rolls the whole append back and the caller reads the twin's outcome. The head
 * moves with one conditional INSERT (new stream) or UPDATE (expected version and hash) instead of
 * a read, a check and a write; only when that finds no row is the actual head read for CS409.
 */
const appendEventsSqlV6 = (s: string): string => `
      CREATE OR REPLACE FUNCTION ${s}.append_events(
        p_stream text, p_stream_lock text, p_all_lock text, p_channel text,
        p_head_version int, p_head_hash text,
        p_command_id text, p_request_hash text, p_reply text, p_tokens text[], p_recorded_at text,
        p_ids text[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[], p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        n int := cardinality(p_ids);
      BEGIN
        -- The locks come before any write: the transaction id (and so the position) is taken under them.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_lock, 0)), pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        IF p_command_id IS NOT NULL THEN
          SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_id;
          IF FOUND THEN
            RETURN jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
          END IF;
        END IF;
        IF p_head_version = 0 THEN
          INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_stream, n, p_hashes[n]) ON CONFLICT (stream_id) DO NOTHING;
        ELSE
          UPDATE ${s}.streams SET version = p_head_version + n, last_hash = p_hashes[n], updated_at = now()
          WHERE stream_id = p_stream AND version = p_head_version AND last_hash = p_head_hash;
        END IF;
        IF NOT FOUND THEN
          SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_stream;
          IF NOT FOUND THEN
            v_version := 0;
            v_hash := NULL;
          END IF;
          RAISE EXCEPTION 'stream head moved' USING ERRCODE = 'CS409', DETAIL = jsonb_build_object('version', v_version, 'hash', v_hash)::text;
        END IF;
        IF n = 1 THEN
          INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
          VALUES (p_ids[1]::uuid, p_stream, p_head_version + 1, p_types[1], p_schema_versions[1], p_data[1]::jsonb, p_metadata[1]::jsonb, p_recorded_at::timestamptz, p_hashes[1], p_prev_hashes[1])
          RETURNING global_seq INTO v_seq;
          v_seqs := ARRAY[v_seq];
        ELSE
          WITH ins AS (
            INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
            SELECT u.id::uuid, p_stream, p_head_version + u.n::int, u.t, u.sv, u.d::jsonb, u.m::jsonb, p_recorded_at::timestamptz, u.h, u.p
            FROM unnest(p_ids, p_types, p_schema_versions, p_data, p_metadata, p_hashes, p_prev_hashes) WITH ORDINALITY AS u(id, t, sv, d, m, h, p, n)
            ORDER BY u.n
            RETURNING global_seq, stream_version
          )
          SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
        END IF;
        v_tx := pg_current_xact_id()::text;
        IF p_command_id IS NOT NULL THEN
          v_reply := p_reply;
          FOR i IN 1..n LOOP
            v_reply := replace(v_reply, p_tokens[i], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[i]::text, 20, '0'));
          END LOOP;
          INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
          VALUES (p_command_id, p_request_hash, v_reply::jsonb, p_recorded_at, p_recorded_at::timestamptz)
          ON CONFLICT (command_id) DO NOTHING;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'command id % was kept by a concurrent append', p_command_id USING ERRCODE = 'CS40D';
          END IF;
        END IF;
        RETURN jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
      END
      $fn$`;

/**
 * `append_events_group` as of migration 6: the same two writes fewer per append as
 * `append_events` v6 (outcome looked up, then inserted once with its final reply; head moved by
 * one conditional statement). An outcome insert that conflicts with a twin on another stream
 * raises CS40D for the whole group, which the caller retries one append at a time.
 */
const appendEventsGroupSqlV6 = (s: string): string => `
      CREATE OR REPLACE FUNCTION ${s}.append_events_group(
        p_streams text[], p_stream_locks text[], p_all_lock text,
        p_head_versions int[], p_head_hashes text[],
        p_command_ids text[], p_request_hashes text[], p_replies text[], p_recorded_at text[], p_counts int[],
        p_tokens text[], p_ids text[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[], p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_key bigint;
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        v_results jsonb[] := '{}';
        m int := cardinality(p_streams);
        n int;
        o int := 0;
      BEGIN
        FOR v_key IN SELECT DISTINCT hashtextextended(x, 0) FROM unnest(p_stream_locks) AS x ORDER BY 1 LOOP
          PERFORM pg_advisory_xact_lock(v_key);
        END LOOP;
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        FOR i IN 1..m LOOP
          n := p_counts[i];
          <<one>>
          BEGIN
            IF p_command_ids[i] IS NOT NULL THEN
              SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_ids[i];
              IF FOUND THEN
                v_results := v_results || jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
                EXIT one;
              END IF;
            END IF;
            IF p_head_versions[i] = 0 THEN
              INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_streams[i], n, p_hashes[o + n]) ON CONFLICT (stream_id) DO NOTHING;
            ELSE
              UPDATE ${s}.streams SET version = p_head_versions[i] + n, last_hash = p_hashes[o + n], updated_at = now()
              WHERE stream_id = p_streams[i] AND version = p_head_versions[i] AND last_hash = p_head_hashes[i];
            END IF;
            IF NOT FOUND THEN
              SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_streams[i];
              IF NOT FOUND THEN
                v_version := 0;
                v_hash := NULL;
              END IF;
              v_results := v_results || jsonb_build_object('status', 'moved', 'version', v_version, 'hash', v_hash);
              EXIT one;
            END IF;
            IF n = 1 THEN
              INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
              VALUES (p_ids[o + 1]::uuid, p_streams[i], p_head_versions[i] + 1, p_types[o + 1], p_schema_versions[o + 1], p_data[o + 1]::jsonb, p_metadata[o + 1]::jsonb,
                      p_recorded_at[i]::timestamptz, p_hashes[o + 1], p_prev_hashes[o + 1])
              RETURNING global_seq INTO v_seq;
              v_seqs := ARRAY[v_seq];
            ELSE
              WITH ins AS (
                INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
                SELECT u.id::uuid, p_streams[i], p_head_versions[i] + u.n::int, u.t, u.sv, u.d::jsonb, u.m::jsonb, p_recorded_at[i]::timestamptz, u.h, u.p
                FROM unnest(p_ids[o + 1:o + n], p_types[o + 1:o + n], p_schema_versions[o + 1:o + n], p_data[o + 1:o + n], p_metadata[o + 1:o + n],
                            p_hashes[o + 1:o + n], p_prev_hashes[o + 1:o + n]) WITH ORDINALITY AS u(id, t, sv, d, m, h, p, n)
                ORDER BY u.n
                RETURNING global_seq, stream_version
              )
              SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
            END IF;
            v_tx := pg_current_xact_id()::text;
            IF p_command_ids[i] IS NOT NULL THEN
              v_reply := p_replies[i];
              FOR k IN 1..n LOOP
                v_reply := replace(v_reply, p_tokens[o + k], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[k]::text, 20, '0'));
              END LOOP;
              INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
              VALUES (p_command_ids[i], p_request_hashes[i], v_reply::jsonb, p_recorded_at[i], p_recorded_at[i]::timestamptz)
              ON CONFLICT (command_id) DO NOTHING;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'command id % was kept by a concurrent append', p_command_ids[i] USING ERRCODE = 'CS40D';
              END IF;
            END IF;
            v_results := v_results || jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
          END;
          o := o + n;
        END LOOP;
        RETURN to_jsonb(v_results);
      END
      $fn$`;

/**
 * `append_events2` (migration 8): `append_events` v6 with the events' data and metadata as one
 * jsonb array each (the canonical JSON texts joined) instead of text arrays. PostgreSQL parses
 * each array once and the client sends the texts as they are: a text array element is escaped
 * by the driver (every quote of the JSON) and unescaped, then cast, by the server, which cost
 * ~7 µs of Node CPU and a few µs of server time per event. Same checks and results. The text-array
 * function stays for processes of the previous release during an upgrade.
 */
const appendEventsSqlV8 = (s: string): string => `
      CREATE FUNCTION ${s}.append_events2(
        p_stream text, p_stream_lock text, p_all_lock text, p_channel text,
        p_head_version int, p_head_hash text,
        p_command_id text, p_request_hash text, p_reply text, p_tokens text[], p_recorded_at text,
        p_ids text[], p_types text[], p_schema_versions int[], p_data jsonb, p_metadata jsonb, p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        n int := cardinality(p_ids);
      BEGIN
        -- The locks come before any write: the transaction id (and so the position) is taken under them.
        PERFORM pg_advisory_xact_lock(hashtextextended(p_stream_lock, 0)), pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        IF p_command_id IS NOT NULL THEN
          SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_id;
          IF FOUND THEN
            RETURN jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
          END IF;
        END IF;
        IF p_head_version = 0 THEN
          INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_stream, n, p_hashes[n]) ON CONFLICT (stream_id) DO NOTHING;
        ELSE
          UPDATE ${s}.streams SET version = p_head_version + n, last_hash = p_hashes[n], updated_at = now()
          WHERE stream_id = p_stream AND version = p_head_version AND last_hash = p_head_hash;
        END IF;
        IF NOT FOUND THEN
          SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_stream;
          IF NOT FOUND THEN
            v_version := 0;
            v_hash := NULL;
          END IF;
          RAISE EXCEPTION 'stream head moved' USING ERRCODE = 'CS409', DETAIL = jsonb_build_object('version', v_version, 'hash', v_hash)::text;
        END IF;
        IF n = 1 THEN
          INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
          VALUES (p_ids[1]::uuid, p_stream, p_head_version + 1, p_types[1], p_schema_versions[1], p_data->0, p_metadata->0, p_recorded_at::timestamptz, p_hashes[1], p_prev_hashes[1])
          RETURNING global_seq INTO v_seq;
          v_seqs := ARRAY[v_seq];
        ELSE
          WITH ins AS (
            INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
            SELECT u.id::uuid, p_stream, p_head_version + u.n::int, u.t, u.sv, p_data->(u.n::int - 1), p_metadata->(u.n::int - 1), p_recorded_at::timestamptz, u.h, u.p
            FROM unnest(p_ids, p_types, p_schema_versions, p_hashes, p_prev_hashes) WITH ORDINALITY AS u(id, t, sv, h, p, n)
            ORDER BY u.n
            RETURNING global_seq, stream_version
          )
          SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
        END IF;
        v_tx := pg_current_xact_id()::text;
        IF p_command_id IS NOT NULL THEN
          v_reply := p_reply;
          FOR i IN 1..n LOOP
            v_reply := replace(v_reply, p_tokens[i], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[i]::text, 20, '0'));
          END LOOP;
          INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
          VALUES (p_command_id, p_request_hash, v_reply::jsonb, p_recorded_at, p_recorded_at::timestamptz)
          ON CONFLICT (command_id) DO NOTHING;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'command id % was kept by a concurrent append', p_command_id USING ERRCODE = 'CS40D';
          END IF;
        END IF;
        RETURN jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
      END
      $fn$`;

/**
 * `append_events_group2` (migration 9): `append_events_group` v7 with data and metadata as one
 * jsonb array each for the whole group, as `append_events2`.
 */
const appendEventsGroupSqlV9 = (s: string): string => `
      CREATE FUNCTION ${s}.append_events_group2(
        p_streams text[], p_stream_locks text[], p_all_lock text,
        p_head_versions int[], p_head_hashes text[],
        p_command_ids text[], p_request_hashes text[], p_replies text[], p_recorded_at text[], p_counts int[],
        p_tokens text[], p_ids text[], p_types text[], p_schema_versions int[], p_data jsonb, p_metadata jsonb, p_hashes text[], p_prev_hashes text[]
      ) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_key bigint;
        v_version int;
        v_hash text;
        v_kept record;
        v_seq bigint;
        v_seqs bigint[];
        v_tx text;
        v_reply text;
        v_results jsonb[] := '{}';
        m int := cardinality(p_streams);
        n int;
        o int := 0;
      BEGIN
        FOR v_key IN SELECT DISTINCT hashtextextended(x, 0) FROM unnest(p_stream_locks) AS x ORDER BY 1 LOOP
          PERFORM pg_advisory_xact_lock(v_key);
        END LOOP;
        PERFORM pg_advisory_xact_lock_shared(hashtextextended(p_all_lock, 0));
        FOR i IN 1..m LOOP
          n := p_counts[i];
          <<one>>
          BEGIN
            IF p_command_ids[i] IS NOT NULL THEN
              SELECT request_hash, reply, recorded_at INTO v_kept FROM ${s}.command_outcomes WHERE command_id = p_command_ids[i];
              IF FOUND THEN
                v_results := v_results || jsonb_build_object('status', 'kept', 'requestHash', v_kept.request_hash, 'reply', v_kept.reply, 'recordedAt', v_kept.recorded_at);
                EXIT one;
              END IF;
            END IF;
            IF p_head_versions[i] = 0 THEN
              INSERT INTO ${s}.streams (stream_id, version, last_hash) VALUES (p_streams[i], n, p_hashes[o + n]) ON CONFLICT (stream_id) DO NOTHING;
            ELSE
              UPDATE ${s}.streams SET version = p_head_versions[i] + n, last_hash = p_hashes[o + n], updated_at = now()
              WHERE stream_id = p_streams[i] AND version = p_head_versions[i] AND last_hash = p_head_hashes[i];
            END IF;
            IF NOT FOUND THEN
              SELECT version, last_hash INTO v_version, v_hash FROM ${s}.streams WHERE stream_id = p_streams[i];
              IF NOT FOUND THEN
                v_version := 0;
                v_hash := NULL;
              END IF;
              v_results := v_results || jsonb_build_object('status', 'moved', 'version', v_version, 'hash', v_hash);
              EXIT one;
            END IF;
            IF n = 1 THEN
              INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
              VALUES (p_ids[o + 1]::uuid, p_streams[i], p_head_versions[i] + 1, p_types[o + 1], p_schema_versions[o + 1], p_data->o, p_metadata->o,
                      p_recorded_at[i]::timestamptz, p_hashes[o + 1], p_prev_hashes[o + 1])
              RETURNING global_seq INTO v_seq;
              v_seqs := ARRAY[v_seq];
            ELSE
              WITH ins AS (
                INSERT INTO ${s}.events (event_id, stream_id, stream_version, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
                SELECT u.id::uuid, p_streams[i], p_head_versions[i] + u.n::int, u.t, u.sv, p_data->(o + u.n::int - 1), p_metadata->(o + u.n::int - 1), p_recorded_at[i]::timestamptz, u.h, u.p
                FROM unnest(p_ids[o + 1:o + n], p_types[o + 1:o + n], p_schema_versions[o + 1:o + n], p_hashes[o + 1:o + n], p_prev_hashes[o + 1:o + n]) WITH ORDINALITY AS u(id, t, sv, h, p, n)
                ORDER BY u.n
                RETURNING global_seq, stream_version
              )
              SELECT array_agg(global_seq ORDER BY stream_version) INTO v_seqs FROM ins;
            END IF;
            v_tx := pg_current_xact_id()::text;
            IF p_command_ids[i] IS NOT NULL THEN
              v_reply := p_replies[i];
              FOR k IN 1..n LOOP
                v_reply := replace(v_reply, p_tokens[o + k], lpad(v_tx, 20, '0') || ':' || lpad(v_seqs[k]::text, 20, '0'));
              END LOOP;
              INSERT INTO ${s}.command_outcomes (command_id, request_hash, reply, recorded_at, recorded_ts)
              VALUES (p_command_ids[i], p_request_hashes[i], v_reply::jsonb, p_recorded_at[i], p_recorded_at[i]::timestamptz)
              ON CONFLICT (command_id) DO NOTHING;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'command id % was kept by a concurrent append', p_command_ids[i] USING ERRCODE = 'CS40D';
              END IF;
            END IF;
            v_results := v_results || jsonb_build_object('status', 'ok', 'tx', v_tx, 'seqs', to_jsonb(v_seqs::text[]));
          END;
          o := o + n;
        END LOOP;
        RETURN to_jsonb(v_results);
      END
      $fn$`;

/** The event store's schema, in order. Never edit a released step: add a new one. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'events, streams, command outcomes, snapshots',
    sql: (s) => `
      CREATE TABLE ${s}.events (
        global_seq bigserial PRIMARY KEY,
        transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id uuid NOT NULL,
        stream_id text NOT NULL,
        stream_version int NOT NULL,
        type text NOT NULL,
        schema_version int NOT NULL,
        data jsonb NOT NULL,
        metadata jsonb NOT NULL,
        recorded_at timestamptz NOT NULL,
        hash text NOT NULL,
        prev_hash text NOT NULL,
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
      );
      CREATE INDEX events_position_idx ON ${s}.events (transaction_id, global_seq);
      CREATE TABLE ${s}.streams (
        stream_id text PRIMARY KEY,
        version int NOT NULL,
        last_hash text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.command_outcomes (
        command_id text PRIMARY KEY,
        request_hash text NOT NULL,
        reply jsonb,
        recorded_at text NOT NULL,
        recorded_ts timestamptz NOT NULL
      );
      CREATE INDEX command_outcomes_recorded_ts_idx ON ${s}.command_outcomes (recorded_ts);
      CREATE TABLE ${s}.snapshots (
        stream_id text PRIMARY KEY,
        version int NOT NULL,
        schema_version int NOT NULL,
        state jsonb NOT NULL,
        saved_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: 'append_events: lock, outcome claim, head check, insert, head upsert, notify and reply in one call',
    single: true,
    // Raises SQLSTATE CS409 with the actual head as DETAIL when the head differs from the one
    // the caller prepared the hash chain against (the claim rolls back with it). Reply
    // placeholders (p_tokens) are replaced by the positions taken here.
    sql: (s) => appendEventsSql(s, { replace: false, notify: true }),
  },
  {
    version: 3,
    name: 'append_events without pg_notify: NOTIFY serialises commits cluster-wide (no group commit); the store notifies after commit',
    single: true,
    sql: (s) => appendEventsSql(s, { replace: true, notify: false }),
  },
  {
    version: 4,
    name: 'append_events: one lock statement, plain head insert/update after the check, VALUES insert for a single event',
    single: true,
    sql: appendEventsSqlV4,
  },
  {
    version: 5,
    name: 'append_events_group: the appends of several callers to distinct streams in one transaction (group commit), a moved head reported per append',
    single: true,
    sql: appendEventsGroupSql,
  },
  {
    version: 6,
    name: 'append_events (and _group): the outcome looked up, then inserted once with its reply; the head moved by one conditional statement',
    single: true,
    sql: appendEventsSqlV6,
  },
  {
    version: 7,
    name: 'append_events_group: as append_events v6',
    single: true,
    sql: appendEventsGroupSqlV6,
  },
  {
    version: 8,
    name: 'append_events2: append_events v6 with data and metadata as one jsonb array each (parsed once, no text-array escaping)',
    single: true,
    sql: appendEventsSqlV8,
  },
  {
    version: 9,
    name: 'append_events_group2: append_events_group v7 with data and metadata as one jsonb array each',
    single: true,
    sql: appendEventsGroupSqlV9,
  },
];

/**
 * Validates and quotes a schema name (lower-case letters, digits, underscore).
 *
 * @example
 * quoteSchema('event_store'); // '"event_store"'
 */
export const quoteSchema = (schema: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new EventStoreError('invalid_event', `invalid schema name '${schema}' (use [a-z_][a-z0-9_]*)`);
  return `"${schema}"`;
};

/**
 * Brings the store's schema up to date: idempotent, one transaction, and safe when several
 * processes start at once (they queue on a transaction-level advisory lock). Returns the
 * versions it applied.
 *
 * @example
 * await migrate(executor, 'event_store'); // [1] the first time, [] afterwards
 */
export const migrate = async (executor: SqlExecutor, schema: string): Promise<number[]> => {
  const s = quoteSchema(schema);
  return executor.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`cs-event-store:migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      const statements = m.single ? [m.sql(s)] : m.sql(s).split(';').map((x) => x.trim()).filter(Boolean);
      for (const statement of statements) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
};
