/**
 * The peer stack the booking figure is compared with: express 5 + Emmett's `CommandHandler` +
 * emmett-postgresql, one read-decide-append per request on the stay's calendar stream, deciding
 * with the same calendar decider as the platform. It is deliberately minimal (no auth, no
 * idempotency, no booking stream, no workflows): a generous peer. Started by `peer.ts`, over IPC.
 */
import type { AddressInfo } from 'node:net';
import { CommandHandler, isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import express from 'express';
import pg from 'pg';
import { calendar, DomainError } from '@stayhub/domain';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !process.send) throw new Error('start this through bench/src/peer/peer.ts');

const pool = new pg.Pool({ connectionString: databaseUrl, max: 30 });
const store = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } });
await store.schema.migrate();

const handle = CommandHandler<calendar.CalendarState, calendar.CalendarEvent>({
  evolve: calendar.calendarDecider.evolve,
  initialState: () => calendar.calendarDecider.initialState,
});

const app = express();
app.use(express.json());
app.post('/bookings', async (req, res) => {
  const { unitTypeId, capacity, checkIn, guests } = req.body as { unitTypeId: string; capacity: number; checkIn: string; guests: number };
  const now = new Date().toISOString();
  const holdId = crypto.randomUUID();
  try {
    await handle(store, calendar.calendarStreamId(unitTypeId, checkIn.slice(0, 7)), (state) =>
      calendar.calendarDecider.decide(
        { type: 'PlaceHold', data: { holdId, bookingId: holdId, keys: [checkIn], units: Math.max(1, Math.ceil(guests / 2)), capacity, expiresAt: now, now } },
        state,
      ),
    );
    res.status(201).json({ bookingId: holdId });
  } catch (error) {
    if (error instanceof DomainError) return res.status(409).json({ code: error.code });
    if (isExpectedVersionConflictError(error)) return res.status(409).json({ code: 'VERSION_CONFLICT' });
    res.status(500).json({ error: String(error) });
  }
});

const server = app.listen(0, '127.0.0.1', () => {
  process.send!({ ready: true, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', async (message: { stop?: boolean }) => {
  if (!message.stop) return;
  server.closeAllConnections();
  server.close();
  await store.close();
  await pool.end().catch(() => undefined);
  process.exit(0);
});
