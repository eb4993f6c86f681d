import type { Pool } from 'pg';
import { liveTargets } from '../checkpoints.ts';
import type { NoticeData, NoticeKind } from './notice.ts';
import { NOTIFICATIONS } from './pg-projection.ts';

type Notice = { id: string; kind: NoticeKind; text: string; data: NoticeData; at: string; readAt: string | null };
export type NoticePage = { items: Notice[]; unread: number; nextCursor: string | null };

export interface NotificationReader {
  /** A user's notices shown by `now`: unread first, then newest (by time, then by event); `cursor` continues after a page. */
  inbox(userId: string, options: { now: string; limit: number; cursor?: string | undefined }): Promise<NoticePage>;
  unreadCount(userId: string, now: string): Promise<number>;
  /** Marks one of the user's own shown notices read (again: no change): when it was first read, or undefined when the user has no such notice. */
  markRead(userId: string, noticeId: string, now: string): Promise<string | undefined>;
}

/**
 * Read marks are the user's own doing, not an event's consequence: they live in a table of their
 * own beside the projection's targets, so a rebuilt inbox keeps them.
 */
const NOTICE_READS = 'notification_reads';
const readsSchema = `CREATE TABLE IF NOT EXISTS ${NOTICE_READS} (user_id text NOT NULL, notice_id text NOT NULL, read_at timestamptz NOT NULL, PRIMARY KEY (user_id, notice_id))`;

type Cursor = { unread: number; at: string; position: string; id: string };
const encode = (c: Cursor): string => Buffer.from(JSON.stringify([c.unread, c.at, c.position, c.id])).toString('base64url');

/** A cursor handed out by `inbox`, or undefined for anything else (the route answers 400). */
export const decodeNoticeCursor = (cursor: string): Cursor | undefined => {
  try {
    const [unread, at, position, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if ((unread !== 0 && unread !== 1) || typeof at !== 'string' || Number.isNaN(Date.parse(at)) || typeof position !== 'string' || typeof id !== 'string')
      return undefined;
    return { unread, at, position, id };
  } catch {
    return undefined;
  }
};

type Row = { notice_id: string; kind: NoticeKind; text: string; data: NoticeData; at: Date; position: string; read_at: Date | null; unread: number };

export class PgNotificationReader implements NotificationReader {
  private ready: Promise<unknown> | undefined;

  /** `target`: the notices' table (by default the projection's live target, which a replay swaps). */
  constructor(
    private readonly pool: Pool,
    private readonly target: () => Promise<string> = async () => (await liveTargets(pool, [NOTIFICATIONS]))[NOTIFICATIONS]!,
  ) {}

  private async table(): Promise<string> {
    this.ready ??= this.pool.query(readsSchema).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    return this.target();
  }

  async inbox(userId: string, { now, limit, cursor }: { now: string; limit: number; cursor?: string | undefined }): Promise<NoticePage> {
    const table = await this.table();
    const after = cursor === undefined ? undefined : decodeNoticeCursor(cursor);
    if (cursor !== undefined && !after) throw new RangeError('not a cursor of this inbox');
    const [page, unread] = await Promise.all([
      this.pool.query<Row>(
        `SELECT * FROM (
           SELECT n.notice_id, n.kind, n.text, n.data, n.at, n.position, r.read_at, (r.read_at IS NULL)::int AS unread
             FROM ${table} n LEFT JOIN ${NOTICE_READS} r ON r.user_id = n.user_id AND r.notice_id = n.notice_id
            WHERE n.user_id = $1 AND n.at <= $2) inbox
          WHERE $3::int IS NULL OR (unread, at, position, notice_id) < ($3::int, $4::timestamptz, $5::text, $6::text)
          ORDER BY unread DESC, at DESC, position DESC, notice_id DESC LIMIT $7`,
        [userId, now, after?.unread ?? null, after?.at ?? null, after?.position ?? null, after?.id ?? null, limit + 1],
      ),
      this.unreadIn(table, userId, now),
    ]);
    const rows = page.rows.slice(0, limit);
    const last = rows[rows.length - 1];
    return {
      items: rows.map((r) => ({ id: r.notice_id, kind: r.kind, text: r.text, data: r.data, at: r.at.toISOString(), readAt: r.read_at?.toISOString() ?? null })),
      unread,
      nextCursor:
        page.rows.length > limit && last ? encode({ unread: last.unread, at: last.at.toISOString(), position: last.position, id: last.notice_id }) : null,
    };
  }

  async unreadCount(userId: string, now: string): Promise<number> {
    return this.unreadIn(await this.table(), userId, now);
  }

  private async unreadIn(table: string, userId: string, now: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${table} n
        WHERE n.user_id = $1 AND n.at <= $2 AND NOT EXISTS (SELECT 1 FROM ${NOTICE_READS} r WHERE r.user_id = n.user_id AND r.notice_id = n.notice_id)`,
      [userId, now],
    );
    return rows[0]!.n;
  }

  async markRead(userId: string, noticeId: string, now: string): Promise<string | undefined> {
    const table = await this.table();
    const { rows } = await this.pool.query<{ read_at: Date }>(
      `WITH mine AS (SELECT notice_id FROM ${table} WHERE notice_id = $2 AND user_id = $1 AND at <= $3),
            marked AS (INSERT INTO ${NOTICE_READS} (user_id, notice_id, read_at) SELECT $1, notice_id, $3 FROM mine ON CONFLICT DO NOTHING RETURNING read_at)
       SELECT coalesce((SELECT read_at FROM marked), (SELECT read_at FROM ${NOTICE_READS} WHERE user_id = $1 AND notice_id = $2)) AS read_at FROM mine`,
      [userId, noticeId, now],
    );
    return rows[0]?.read_at.toISOString();
  }
}
