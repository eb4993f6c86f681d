import type { Pool } from 'pg';

/** The event store tables and the one-round-trip append function. Safe to run more than once. */
export const eventStoreSchema = /* sql */ `
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

-- Appends p_events (a jsonb array) to p_stream if its revision matches the expectation.
-- p_kind: any | no_stream | stream_exists | exact. Raises SQLSTATE 'ES409' on a mismatch.
-- An append whose event ids are all stored already is a no-op that returns the stored result.
CREATE OR REPLACE FUNCTION es_append(p_stream text, p_kind text, p_expected bigint, p_events jsonb)
RETURNS TABLE (next_revision bigint, last_position bigint, tx xid8)
LANGUAGE plpgsql AS $$
DECLARE
  current_revision bigint;
  wanted int := jsonb_array_length(p_events);
  existing int;
BEGIN
  SELECT s.revision INTO current_revision FROM es_streams s WHERE s.stream_id = p_stream FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO es_streams (stream_id, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
    SELECT s.revision INTO current_revision FROM es_streams s WHERE s.stream_id = p_stream FOR UPDATE;
  END IF;

  -- = ANY(ARRAY(...)) probes the unique index; IN (SELECT ...) was planned as a scan of the table.
  SELECT count(*) INTO existing FROM es_events e
   WHERE e.event_id = ANY (ARRAY(SELECT (x->>'eventId')::uuid FROM jsonb_array_elements(p_events) x));
  IF existing > 0 THEN
    IF existing = wanted THEN
      RETURN QUERY SELECT max(e.stream_revision), max(e.global_position), max(e.transaction_id)
        FROM es_events e
       WHERE e.event_id = ANY (ARRAY(SELECT (x->>'eventId')::uuid FROM jsonb_array_elements(p_events) x));
      RETURN;
    END IF;
    RAISE EXCEPTION 'partial duplicate' USING ERRCODE = 'ES422';
  END IF;

  IF (p_kind = 'no_stream' AND current_revision <> -1)
     OR (p_kind = 'stream_exists' AND current_revision = -1)
     OR (p_kind = 'exact' AND current_revision <> p_expected) THEN
    RAISE EXCEPTION '%', current_revision USING ERRCODE = 'ES409';
  END IF;

  RETURN QUERY
  WITH inserted AS (
    INSERT INTO es_events (event_id, stream_id, stream_revision, type, schema_version, data, metadata, occurred_at)
    SELECT (x->>'eventId')::uuid, p_stream, current_revision + n, x->>'type',
           coalesce((x->>'schemaVersion')::int, 1), x->'data', coalesce(x->'metadata', '{}'),
           coalesce((x->>'occurredAt')::timestamptz, now())
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(x, n)
    RETURNING stream_revision, global_position, transaction_id
  )
  SELECT max(i.stream_revision), max(i.global_position), max(i.transaction_id) FROM inserted i;

  UPDATE es_streams SET revision = current_revision + wanted WHERE stream_id = p_stream;
  PERFORM pg_notify('es_appended', '');
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
