import type { Pool } from 'pg';

/** The event store tables and the one-round-trip append functions. Safe to run more than once. */
const eventStoreSchema = /* sql */ `
CREATE TABLE IF NOT EXISTS es_streams (
  stream_id text PRIMARY KEY,
  revision  bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS es_events (
  global_position bigserial PRIMARY KEY,
  transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id        uuid NOT NULL UNIQUE,
  stream_id       text NOT NULL,
  stream_revision bigint NOT NULL,
  type            text NOT NULL,
  schema_version  int NOT NULL DEFAULT 1,
  data            jsonb NOT NULL,
  metadata        jsonb NOT NULL DEFAULT '{}',
  occurred_at     timestamptz NOT NULL,
  UNIQUE (stream_id, stream_revision)
);
CREATE INDEX IF NOT EXISTS es_events_commit_order ON es_events (transaction_id, global_position);

-- Several independent atomic appends ("groups") in one transaction, so they share one commit.
-- p_groups: [[{"s": stream, "k": kind, "r": expected revision, "e": [event, ...]}, ...], ...]; a group
-- names each stream once. Each group is all or nothing and settles on its own: a group whose
-- expectation fails (or whose event ids are partly stored) writes nothing and is reported, and the
-- groups after it still append (against the revisions the earlier groups left). One row per stream
-- of each group: outcome ok | duplicate (all its event ids were stored: the stored result) |
-- conflict (revision = the actual revision) | partial_duplicate.
-- Every stream of the batch is locked first, in stream id order, so two batches cannot deadlock.
CREATE OR REPLACE FUNCTION es_append_batch(p_groups jsonb)
RETURNS TABLE (group_no int, stream text, outcome text, revision bigint, last_position bigint, tx xid8)
LANGUAGE plpgsql AS $$
DECLARE
  g jsonb;
  gi int;
  ids uuid[];
  any_stored boolean;
  existing int;
BEGIN
  INSERT INTO es_streams (stream_id, revision)
  SELECT DISTINCT x->>'s', -1 FROM jsonb_array_elements(p_groups) grp, jsonb_array_elements(grp) x ORDER BY 1
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM es_streams s
   WHERE s.stream_id = ANY (ARRAY(SELECT x->>'s' FROM jsonb_array_elements(p_groups) grp, jsonb_array_elements(grp) x))
   ORDER BY s.stream_id FOR UPDATE;

  -- = ANY(ARRAY(...)) probes the unique index; IN (SELECT ...) was planned as a scan of the table.
  any_stored := EXISTS (SELECT 1 FROM es_events e WHERE e.event_id = ANY (ARRAY(
    SELECT (v->>'eventId')::uuid FROM jsonb_array_elements(p_groups) grp, jsonb_array_elements(grp) x, jsonb_array_elements(x->'e') v)));

  -- The common case in one pass: no event id stored yet and every expectation holds, counting the
  -- events that earlier groups of the batch append to the same stream.
  IF NOT any_stored THEN
    RETURN QUERY
    WITH a AS (
      SELECT gn::int AS gn, sn, x->>'s' AS stream_id, x->>'k' AS kind, (x->>'r')::bigint AS expected,
             jsonb_array_length(x->'e') AS n, x->'e' AS events
        FROM jsonb_array_elements(p_groups) WITH ORDINALITY AS g(grp, gn), jsonb_array_elements(grp) WITH ORDINALITY AS t(x, sn)
    ), b AS (
      SELECT a.*, (SELECT s.revision FROM es_streams s WHERE s.stream_id = a.stream_id)
               + coalesce(sum(a.n) OVER (PARTITION BY a.stream_id ORDER BY a.gn ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS at_revision
        FROM a
    ), fine AS (
      SELECT NOT EXISTS (SELECT 1 FROM b WHERE (b.kind = 'no_stream' AND b.at_revision <> -1)
                                             OR (b.kind = 'stream_exists' AND b.at_revision = -1)
                                             OR (b.kind = 'exact' AND b.at_revision <> b.expected)) AS ok
    ), inserted AS (
      INSERT INTO es_events (event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at)
      SELECT (v->>'eventId')::uuid, b.stream_id, b.at_revision + i, v->>'type',
             coalesce((v->>'schemaVersion')::int, 1), v->'data', coalesce(v->'metadata', '{}'),
             coalesce((v->>'occurredAt')::timestamptz, now())
        FROM b, jsonb_array_elements(b.events) WITH ORDINALITY AS e(v, i)
       WHERE (SELECT ok FROM fine)
       ORDER BY b.gn, b.sn, i
      RETURNING es_events.stream_id, es_events.stream_revision, es_events.global_position, es_events.transaction_id
    )
    SELECT b.gn, b.stream_id, 'ok'::text, b.at_revision + b.n, i.global_position, i.transaction_id
      FROM b JOIN inserted i ON i.stream_id = b.stream_id AND i.stream_revision = b.at_revision + b.n;
    IF FOUND THEN
      UPDATE es_streams s SET revision = s.revision + t.n
        FROM (SELECT x->>'s' AS stream_id, sum(jsonb_array_length(x->'e')) AS n
                FROM jsonb_array_elements(p_groups) grp, jsonb_array_elements(grp) x GROUP BY 1) t
       WHERE s.stream_id = t.stream_id;
      RETURN;
    END IF;
  END IF;

  -- Otherwise group by group: each settles on its own.
  FOR g, gi IN SELECT value, ordinality::int FROM jsonb_array_elements(p_groups) WITH ORDINALITY LOOP
    IF any_stored THEN
      ids := ARRAY(SELECT (v->>'eventId')::uuid FROM jsonb_array_elements(g) x, jsonb_array_elements(x->'e') v);
      SELECT count(*) INTO existing FROM es_events e WHERE e.event_id = ANY (ids);
      IF existing = cardinality(ids) THEN
        RETURN QUERY SELECT gi, e.stream_id, 'duplicate'::text, max(e.stream_revision), max(e.global_position), max(e.transaction_id)
          FROM es_events e WHERE e.event_id = ANY (ids) GROUP BY e.stream_id;
        CONTINUE;
      ELSIF existing > 0 THEN
        RETURN QUERY SELECT gi, NULL::text, 'partial_duplicate'::text, NULL::bigint, NULL::bigint, NULL::xid8;
        CONTINUE;
      END IF;
    END IF;

    RETURN QUERY SELECT gi, s.stream_id, 'conflict'::text, s.revision, NULL::bigint, NULL::xid8
      FROM (SELECT x->>'s' AS stream_id, x, (SELECT r.revision FROM es_streams r WHERE r.stream_id = x->>'s') AS revision
              FROM jsonb_array_elements(g) x) s
     WHERE (s.x->>'k' = 'no_stream' AND s.revision <> -1)
        OR (s.x->>'k' = 'stream_exists' AND s.revision = -1)
        OR (s.x->>'k' = 'exact' AND s.revision <> (s.x->>'r')::bigint);
    IF FOUND THEN CONTINUE; END IF;

    RETURN QUERY
    WITH appends AS (
      SELECT x->>'s' AS stream_id, x->'e' AS events, n AS stream_no,
             (SELECT s.revision FROM es_streams s WHERE s.stream_id = x->>'s') AS current_revision
        FROM jsonb_array_elements(g) WITH ORDINALITY AS a(x, n)
    ), inserted AS (
      INSERT INTO es_events (event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at)
      SELECT (v->>'eventId')::uuid, a.stream_id, a.current_revision + i, v->>'type',
             coalesce((v->>'schemaVersion')::int, 1), v->'data', coalesce(v->'metadata', '{}'),
             coalesce((v->>'occurredAt')::timestamptz, now())
        FROM appends a, jsonb_array_elements(a.events) WITH ORDINALITY AS t(v, i)
       ORDER BY a.stream_no, i
      RETURNING es_events.stream_id, es_events.stream_revision, es_events.global_position, es_events.transaction_id
    )
    SELECT gi, i.stream_id, 'ok'::text, max(i.stream_revision), max(i.global_position), max(i.transaction_id)
      FROM inserted i GROUP BY i.stream_id;

    UPDATE es_streams s SET revision = s.revision + jsonb_array_length(x->'e')
      FROM jsonb_array_elements(g) x WHERE s.stream_id = x->>'s';
  END LOOP;
END $$;

-- The same batch as es_append_batch, as arrays (one element per stream append, and one per event),
-- for the common case in four statements whose plans probe indexes only: create the streams that
-- may be new, lock every stream of the batch (in stream id order) and read where each append lands,
-- look for stored event ids, insert every event with one INSERT and move every stream's revision
-- with one UPDATE. A conflict or a stored event id hands the whole batch to es_append_batch, which
-- settles it group by group.
-- p_expected: >= 0 the exact revision, -1 no stream, -2 any, -3 the stream exists.
-- p_of, p_nth: for each event, the stream append it belongs to (1-based) and its place in it.
-- p_events: a jsonb array of the events ({eventId, type, data, metadata?, schemaVersion?, occurredAt?}).
CREATE OR REPLACE FUNCTION es_append_rows(p_group int[], p_stream text[], p_expected bigint[], p_count int[],
                                          p_ids uuid[], p_of int[], p_nth int[], p_events jsonb)
RETURNS TABLE (group_no int, stream text, outcome text, revision bigint, last_position bigint, tx xid8)
LANGUAGE plpgsql AS $$
DECLARE
  at_rev bigint[];
  fine boolean;
BEGIN
  IF -1 = ANY (p_expected) OR -2 = ANY (p_expected) THEN
    INSERT INTO es_streams (stream_id, revision)
    SELECT DISTINCT u.s, -1 FROM unnest(p_stream, p_expected) AS u(s, x) WHERE u.x IN (-1, -2) ORDER BY 1
    ON CONFLICT DO NOTHING;
  END IF;

  -- Where each append lands: its stream's revision plus the events earlier appends of the batch add.
  WITH heads AS MATERIALIZED (
    SELECT s.stream_id, s.revision FROM es_streams s WHERE s.stream_id = ANY (p_stream) ORDER BY s.stream_id FOR UPDATE
  ), a AS (
    SELECT u.j, u.x, h.revision + coalesce(sum(u.n) OVER (PARTITION BY u.s ORDER BY u.j ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS at
      FROM unnest(p_stream, p_expected, p_count) WITH ORDINALITY AS u(s, x, n, j) LEFT JOIN heads h ON h.stream_id = u.s
  )
  SELECT array_agg(a.at ORDER BY a.j),
         bool_and(a.at IS NOT NULL AND CASE a.x WHEN -1 THEN a.at = -1 WHEN -2 THEN true WHEN -3 THEN a.at <> -1 ELSE a.at = a.x END)
    INTO at_rev, fine FROM a;

  IF fine AND NOT EXISTS (SELECT 1 FROM es_events e WHERE e.event_id = ANY (p_ids)) THEN
    RETURN QUERY
    WITH inserted AS (
      INSERT INTO es_events (event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at)
      SELECT e.id, p_stream[e.j], at_rev[e.j] + e.i, v->>'type', coalesce((v->>'schemaVersion')::int, 1), v->'data',
             coalesce(v->'metadata', '{}'), coalesce((v->>'occurredAt')::timestamptz, now())
        FROM unnest(p_ids, p_of, p_nth) WITH ORDINALITY AS e(id, j, i, k), LATERAL (SELECT p_events->(e.k::int - 1) AS v) x
       ORDER BY e.k
      RETURNING es_events.stream_id, es_events.stream_revision, es_events.global_position, es_events.transaction_id
    )
    SELECT p_group[u.j], u.s, 'ok'::text, at_rev[u.j] + u.n, i.global_position, i.transaction_id
      FROM unnest(p_stream, p_count) WITH ORDINALITY AS u(s, n, j)
      JOIN inserted i ON i.stream_id = u.s AND i.stream_revision = at_rev[u.j] + u.n;
    UPDATE es_streams s SET revision = s.revision + t.n
      FROM (SELECT u.s, sum(u.n) AS n FROM unnest(p_stream, p_count) AS u(s, n) GROUP BY 1) t
     WHERE s.stream_id = t.s;
    RETURN;
  END IF;

  RETURN QUERY SELECT * FROM es_append_batch((
    SELECT jsonb_agg(y.grp ORDER BY y.g) FROM (
      SELECT p_group[u.j] AS g, jsonb_agg(jsonb_build_object(
               's', u.s,
               'k', CASE u.x WHEN -1 THEN 'no_stream' WHEN -2 THEN 'any' WHEN -3 THEN 'stream_exists' ELSE 'exact' END,
               'r', greatest(u.x, -1),
               'e', (SELECT jsonb_agg(p_events->(e.k::int - 1) ORDER BY e.k)
                       FROM unnest(p_of) WITH ORDINALITY AS e(j, k) WHERE e.j = u.j)) ORDER BY u.j) AS grp
        FROM unnest(p_stream, p_expected) WITH ORDINALITY AS u(s, x, j)
       GROUP BY 1) y));
END $$;

-- Raised by the adapter's one-statement append (see APPEND in the adapter) when an expectation fails
-- or an event id is stored already: that statement's transaction is rolled back, and the batch is
-- settled group by group by es_append_rows.
CREATE OR REPLACE FUNCTION es_append_refused() RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the batch is settled group by group' USING ERRCODE = 'ES100';
END $$;

-- Appends p_events (a jsonb array) to p_stream if its revision matches the expectation.
-- p_kind: any | no_stream | stream_exists | exact. Raises SQLSTATE 'ES409' on a mismatch.
-- An append whose event ids are all stored already is a no-op that returns the stored result.
-- Nothing here notifies: a NOTIFY in every append serialised all commits on one lock (see the adapter).
CREATE OR REPLACE FUNCTION es_append(p_stream text, p_kind text, p_expected bigint, p_events jsonb)
RETURNS TABLE (next_revision bigint, last_position bigint, tx xid8)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM es_append_batch(jsonb_build_array(jsonb_build_array(
      jsonb_build_object('s', p_stream, 'k', p_kind, 'r', p_expected, 'e', p_events)))) LOOP
    IF r.outcome = 'conflict' THEN RAISE EXCEPTION '%', r.revision USING ERRCODE = 'ES409'; END IF;
    IF r.outcome = 'partial_duplicate' THEN RAISE EXCEPTION 'partial duplicate' USING ERRCODE = 'ES422'; END IF;
    next_revision := r.revision; last_position := r.last_position; tx := r.tx;
    RETURN NEXT;
  END LOOP;
END $$;
`;

export const migrateEventStore = async (pool: Pool): Promise<void> => {
  // Serialise concurrent migrations (several test files or processes starting at once).
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(727001)');
    await client.query(eventStoreSchema);
  } finally {
    await client.query('SELECT pg_advisory_unlock(727001)').catch(() => undefined);
    client.release();
  }
};
