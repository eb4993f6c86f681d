import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PgBookingHistoryReader,
  PgListingReader,
  PgOrderHistoryReader,
  CassandraBookingHistoryReader,
  ElasticsearchListingReader,
  checkpointSchema,
  logWatermarkSchema,
  saveApplied,
  CassandraOrderHistoryReader,
} from '@stayhub/read-models';
import { testDatabaseUrl } from '@stayhub/event-sourcing/testing';
import { composeQuerySide } from './compose.ts';

const secrets = { JWT_SECRET: 'query-compose-secret-query-compose-secret', JWT_TTL_MINUTES: 60 };

describe('query side composition', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await testDatabaseUrl();
  });

  it("reads PostgreSQL and waits on the projections' checkpoints by default", async () => {
    const deps = composeQuerySide({ databaseUrl: await testDatabaseUrl(), config: secrets });
    try {
      expect(deps.listings).toBeInstanceOf(PgListingReader);
      expect(deps.bookings).toBeInstanceOf(PgBookingHistoryReader);
      expect(deps.orders).toBeInstanceOf(PgOrderHistoryReader);
      // read-your-writes by the projections' checkpoints (the log watermark plays no part)
      await deps.pool.query(checkpointSchema);
      await deps.pool.query(
        "INSERT INTO projection_targets (projection, target) VALUES ('listings', 'listings'); INSERT INTO projection_checkpoints (name) VALUES ('listings')",
      );
      const position = `${'1'.padStart(20, '0')}-${'7'.padStart(20, '0')}`;
      expect(await deps.waitForPosition(['listings'], position, 100)).toBe(false);
      await deps.pool.query("UPDATE projection_checkpoints SET position = $1 WHERE name = 'listings'", [position]);
      expect(await deps.waitForPosition(['listings'], position, 100)).toBe(true);
    } finally {
      await deps.close();
    }
  });

  describe('at scale', () => {
    let deps: ReturnType<typeof composeQuerySide>;
    beforeAll(() => {
      // Clients connect lazily: nothing needs to listen at these addresses.
      deps = composeQuerySide({
        databaseUrl,
        config: {
          ...secrets,
          LOG: 'kafka',
          SEARCH: 'elasticsearch',
          ELASTICSEARCH_URL: 'http://127.0.0.1:1',
          HISTORY: 'cassandra',
          CASSANDRA_CONTACT_POINTS: '127.0.0.1:1',
        },
      });
    });
    afterAll(() => deps.close());

    it('reads listings from Elasticsearch and history from Cassandra', () => {
      expect(deps.listings).toBeInstanceOf(ElasticsearchListingReader);
      expect(deps.bookings).toBeInstanceOf(CassandraBookingHistoryReader);
      expect(deps.orders).toBeInstanceOf(CassandraOrderHistoryReader);
    });

    it('under LOG=kafka, read-your-writes waits on the log watermark, and reports a write not yet relayed as behind', async () => {
      await deps.pool.query(`
        CREATE TABLE projection_targets (projection text PRIMARY KEY, target text NOT NULL);
        CREATE TABLE projection_checkpoints (name text PRIMARY KEY, position text COLLATE "C" NOT NULL DEFAULT '');
        INSERT INTO projection_targets VALUES ('booking_history', 'booking_history');
        INSERT INTO projection_checkpoints (name) VALUES ('booking_history');`);
      const position = `${'1'.padStart(20, '0')}-${'7'.padStart(20, '0')}`;
      await deps.pool.query(logWatermarkSchema);
      expect(await deps.waitForPosition!(['booking_history'], position, 100)).toBe(false);
      await deps.pool.query("INSERT INTO log_partition_heads (topic, partition, position) VALUES ('stayhub.bookings', 3, $1)", [position]);
      expect(await deps.waitForPosition!(['booking_history'], position, 100)).toBe(false);
      await saveApplied(deps.pool, 'booking_history', { topic: 'stayhub.bookings', partition: 3, position });
      expect(await deps.waitForPosition!(['booking_history'], position, 100)).toBe(true);
    });
  });
});
