import type { Pool } from 'pg';
import type { Clock, CommandProcessor, EventStore, SecretStore } from '@stayhub/event-sourcing';
import type { TokenIssuer } from '@stayhub/http-kit';
import type { Config, Logger, PayoutSettings, SecuritySettings } from '@stayhub/platform-kit';
import type { PaymentGateway } from '@stayhub/payments';

/** Everything the command side needs, passed in (tests build it with a moved clock and a fresh database). */
export type CommandDeps = {
  pool: Pool;
  eventStore: EventStore;
  processor: CommandProcessor;
  clock: Clock;
  tokens: TokenIssuer;
  gateway: PaymentGateway;
  /** Password hashes and card tokens: never in events. */
  secrets: SecretStore;
  log: Logger;
  /** Security and payout settings left out take their defaults (see `SecuritySettings`, `PayoutSettings`). */
  settings: Pick<Config, 'HOST_RESPONSE_HOURS' | 'HOLD_TTL_MINUTES' | 'ORDER_PAYMENT_TIMEOUT_MINUTES' | 'PAYMENT_WEBHOOK_SECRET'> &
    Partial<SecuritySettings> &
    Partial<PayoutSettings>;
};
