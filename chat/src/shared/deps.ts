import type { Pool } from 'pg';
import type { Clock, CommandProcessor, EventStore } from '@stayhub/event-sourcing';
import type { TokenIssuer } from '@stayhub/http-kit';
import type { Logger } from '@stayhub/platform-kit';
import type { Hub } from '../realtime/hub.ts';
import type { MessageLimiter } from '../conversations/limits.ts';

export type ChatDeps = {
  /** The chat database (its own pool): conversation streams and the chat's tables. */
  pool: Pool;
  store: EventStore;
  processor: CommandProcessor;
  hub: Hub;
  limiter: MessageLimiter;
  tokens: TokenIssuer;
  clock: Clock;
  log: Logger;
  corsOrigins?: string[] | undefined;
};
