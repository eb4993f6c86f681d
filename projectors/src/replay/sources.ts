import { StringDecoder } from 'node:string_decoder';
import type { Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { decodePosition, type EventMetadata, type RecordedEvent } from '@stayhub/event-sourcing';
import type { EventSource } from './run.ts';

const PAD = 20;
const NULL = '\\N';

/** COPY's text format: `\\` and `\t`, `\n`, `\r`… inside a value; `\N` is NULL (none of the columns read here). */
const unescapeCopy = (text: string): string => {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(.)/g, (_, c: string) =>
    c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'b' ? '\b' : c === 'f' ? '\f' : c === 'v' ? '\v' : c,
  );
};

/** `2026-12-01 04:05:06.123456` (a timestamp in UTC, as COPY spells it) → `2026-12-01T04:05:06.123Z`, as `Date#toISOString` spells it. */
export const isoOfUtcTimestamp = (text: string): string => {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text)) return new Date(`${text}Z`).toISOString();
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${text.slice(20, 23).padEnd(3, '0')}Z`;
};

/**
 * One event as the COPY reader got it: the JSON of its data and metadata is parsed only when a
 * read model first asks for it, so events no read model handles (most of a replay's) cost no
 * decoding. The getters are the object's own, so a spread or `JSON.stringify` sees a plain event.
 */
const eventOfLine = (line: string): RecordedEvent => {
  const f = line.split('\t');
  // `\N`: an event of a type the reader did not ask the data of (see `readPage`).
  let dataText = f[8] === NULL ? 'null' : f[8];
  let metadataText = f[9] === NULL ? '{}' : f[9];
  const occurredText = f[7]!;
  let data: unknown;
  let metadata: EventMetadata | undefined;
  let occurredAt: string | undefined;
  return {
    eventId: f[2]!,
    type: unescapeCopy(f[5]!),
    schemaVersion: Number(f[6]),
    streamId: unescapeCopy(f[3]!),
    streamRevision: Number(f[4]),
    globalPosition: `${f[0]!.padStart(PAD, '0')}-${f[1]!.padStart(PAD, '0')}`,
    get occurredAt() {
      occurredAt ??= isoOfUtcTimestamp(occurredText);
      return occurredAt;
    },
    get data() {
      if (dataText !== undefined) {
        data = JSON.parse(unescapeCopy(dataText));
        dataText = undefined;
      }
      return data;
    },
    get metadata() {
      if (metadataText !== undefined) {
        metadata = JSON.parse(unescapeCopy(metadataText)) as EventMetadata;
        metadataText = undefined;
      }
      return metadata!;
    },
  };
};

/**
 * A page of the log with one `COPY (SELECT …) TO STDOUT`: only the columns an event needs, as text
 * the reader splits itself, instead of a SELECT whose every row the driver turns into objects (and
 * whose JSON it parses) before anyone looks at the event's type.
 */
const readPage = async (pool: Pool, after: string, maxCount: number, types?: ReadonlySet<string>): Promise<RecordedEvent[]> => {
  const { tx, position } = decodePosition(after);
  if (!Number.isSafeInteger(maxCount) || maxCount < 1) throw new RangeError(`maxCount must be a positive integer, not ${maxCount}`);
  // The server turns each event's JSON into text: only for the types someone reads (names spelled in
  // the statement, so only plain ones; any other and every event comes whole).
  const named = types && [...types].every((type) => /^[A-Za-z0-9_.:-]+$/.test(type)) ? `'{${[...types].join(',')}}'::text[]` : undefined;
  const [data, metadata] = named ? [`CASE WHEN type = ANY(${named}) THEN data END`, `CASE WHEN type = ANY(${named}) THEN metadata END`] : ['data', 'metadata'];
  const client = await pool.connect();
  try {
    // Digits only (decodePosition), so they can be spelled in the statement (COPY takes no parameters).
    const stream = client.query(
      copyTo(`COPY (SELECT transaction_id, global_position, event_id, stream_id, stream_revision, type, schema_version, occurred_at AT TIME ZONE 'UTC', ${data}, ${metadata}
                 FROM es_events
                WHERE (transaction_id, global_position) > ('${tx}'::xid8, ${position}::bigint)
                  AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY transaction_id, global_position LIMIT ${maxCount}) TO STDOUT`),
    );
    const events: RecordedEvent[] = [];
    // A chunk may end inside a line, or inside a character.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        events.push(eventOfLine(text.slice(start, end)));
        start = end + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length > 0) events.push(eventOfLine(rest));
    return events;
  } finally {
    client.release();
  }
};

/** The PostgreSQL event store, read in large pages with COPY; it can also count what is left to read (for the progress bar). */
export const pgEventSource = (pool: Pool): EventSource => ({
  read: (after, maxCount, options) => readPage(pool, after, maxCount, options?.types),
  async countAfter(after) {
    const { tx, position } = decodePosition(after);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM es_events
        WHERE (transaction_id, global_position) > ($1::text::xid8, $2::bigint)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())`,
      [tx, position],
    );
    return Number(rows[0]?.n ?? 0);
  },
});
