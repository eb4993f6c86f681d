import type { Pool } from 'pg';
import { secretsOf, withoutSecrets } from '@stayhub/domain';
import type { EventStore } from '../event-store/port.ts';
import { overriding } from '../event-store/decorate.ts';
import { ASYNC_COMMIT } from '../postgres/async-commit.ts';
import { inTransaction } from '../postgres/pool.ts';
import { SharedStatement } from '../postgres/shared-statement.ts';
import { secretsSchema } from './schema.ts';

/** Card tokens kept in memory between their request and their payment (a few MB at most). */
const RECENT_TOKENS = 10_000;

/**
 * Where the secrets live instead of events: password hashes by user, card tokens by the booking or
 * order they pay for. Written before the event that needs them, so a reader of the event always
 * finds them; a write whose event never follows leaves an unreachable row, nothing else.
 */
export class SecretStore {
  /**
   * Card tokens saved by concurrent requests share one statement and one commit, which does not wait
   * for its WAL flush (see ASYNC_COMMIT): the booking's or order's append that follows flushes it.
   * Each answers whether it stored the token (the first for its reference) or found one there.
   */
  private readonly paymentMethods: SharedStatement<{ reference: string; token: string }, boolean>;
  /** And the payments of concurrent workflow tasks look theirs up together. */
  private readonly paymentMethodsOf: SharedStatement<string, string | undefined>;
  /**
   * The tokens this process stored, until a payment here takes them (the workflows run beside the
   * command API by default): the payment then needs no statement. Only a token known to be the
   * stored one (this process inserted it) is kept, at most RECENT_TOKENS of them, oldest dropped.
   */
  private readonly recentTokens = new Map<string, string>();

  constructor(private readonly pool: Pool) {
    this.paymentMethods = new SharedStatement(async (methods) => {
      const { rows } = await this.pool.query<{ reference: string }>({
        name: 'save_payment_methods',
        text: `INSERT INTO payment_methods (reference, payment_method)
               SELECT m.reference, m.payment_method FROM unnest($1::text[], $2::text[]) AS m(reference, payment_method), ${ASYNC_COMMIT}
                   ON CONFLICT (reference) DO NOTHING RETURNING reference`,
        values: [methods.map((m) => m.reference), methods.map((m) => m.token)],
      });
      const stored = new Set(rows.map((r) => r.reference));
      // A reference twice in one statement: which of its tokens was stored is not said, so neither counts as known.
      const twice = new Set(methods.filter((m, i) => methods.findIndex((o) => o.reference === m.reference) !== i).map((m) => m.reference));
      return methods.map((m) => stored.has(m.reference) && !twice.has(m.reference));
    });
    this.paymentMethodsOf = new SharedStatement(async (references) => {
      const { rows } = await this.pool.query<{ reference: string; payment_method: string }>({
        name: 'payment_methods_of',
        text: 'SELECT reference, payment_method FROM payment_methods WHERE reference = ANY ($1::text[])',
        values: [references],
      });
      const found = new Map(rows.map((r) => [r.reference, r.payment_method]));
      return references.map((reference) => found.get(reference));
    });
  }

  static async migrate(pool: Pool): Promise<void> {
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(727003)');
      await client.query(secretsSchema);
    });
  }

  async savePasswordHash(userId: string, hash: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO credentials (user_id, password_hash) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = now()`,
      [userId, hash],
    );
  }

  async passwordHash(userId: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ password_hash: string }>('SELECT password_hash FROM credentials WHERE user_id = $1', [userId]);
    return rows[0]?.password_hash;
  }

  /** The first token saved for a reference stays: a retried request cannot swap the card of a booking. */
  async savePaymentMethod(reference: string, token: string): Promise<void> {
    if (!(await this.paymentMethods.add({ reference, token }))) return;
    this.recentTokens.set(reference, token);
    if (this.recentTokens.size > RECENT_TOKENS) this.recentTokens.delete(this.recentTokens.keys().next().value!);
  }

  /** A reference's token: one this process stored is taken from memory once (a retry reads the table). */
  paymentMethod(reference: string): Promise<string | undefined> {
    const recent = this.recentTokens.get(reference);
    if (recent === undefined) return this.paymentMethodsOf.add(reference);
    this.recentTokens.delete(reference);
    return Promise.resolve(recent);
  }

  /**
   * Once per database: copies the secrets that events written before carried into their tables, so
   * that those users still log in and those bookings and orders can still be charged once the
   * events are read without them. Reads `raw` (the store as written), never rewrites an event.
   */
  async moveSecretsOutOfEvents(raw: EventStore): Promise<number> {
    const done = await this.pool.query("SELECT 1 FROM secret_moves WHERE name = 'events-v1'");
    if (done.rows.length > 0) return 0;
    let moved = 0;
    let after = '';
    for (;;) {
      const events = await raw.readAll({ after, maxCount: 1000 });
      if (events.length === 0) break;
      for (const event of events) {
        const { passwordHash, paymentMethod } = secretsOf(event);
        if (passwordHash) {
          await this.pool.query('INSERT INTO credentials (user_id, password_hash) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING', [
            passwordHash.userId,
            passwordHash.hash,
          ]);
          moved += 1;
        }
        if (paymentMethod) {
          await this.savePaymentMethod(paymentMethod.reference, paymentMethod.token);
          moved += 1;
        }
      }
      after = events.at(-1)!.globalPosition;
    }
    await this.pool.query("INSERT INTO secret_moves (name) VALUES ('events-v1') ON CONFLICT (name) DO NOTHING");
    return moved;
  }
}

/**
 * The event store as every reader should see it: events written before read without their secrets.
 * A proxy, so that the store stays what it is (`instanceof`, its own methods) for everything else.
 */
export const secretFree = <S extends EventStore>(store: S): S => {
  const clean = <E extends { type: string; data: unknown }>(events: E[]): E[] => events.map(withoutSecrets);
  const readers: Partial<EventStore> = {
    readStream: async (streamId, options) => {
      const result = await store.readStream(streamId, options);
      return { ...result, events: clean(result.events) };
    },
    readAll: async (options) => clean(await store.readAll(options)),
    subscribe: (options) => store.subscribe({ ...options, onBatch: (events) => options.onBatch(clean(events)) }),
  };
  return overriding(store, readers);
};
