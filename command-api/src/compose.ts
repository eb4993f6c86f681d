import {
  CommandProcessor,
  createPool,
  systemClock,
  WorkflowRunner,
  type Clock,
  type EventStore,
  rawEventStoreFromConfig,
  type EventStoreConfig,
  secretFree,
  SecretStore,
  tracedEventStore,
  commandMetrics,
} from '@stayhub/event-sourcing';
import { migrateIdempotency, jwtTokens } from '@stayhub/http-kit';
import { createLogger, type Config, type Logger, type MailSettings, type PayoutSettings, type SecuritySettings } from '@stayhub/platform-kit';
import { type PaymentGateway, SimulatedGateway } from '@stayhub/payments';
import { notifierFromConfig, type Notifier } from '@stayhub/notifications';
import type { CommandDeps } from './shared/deps.ts';
import { bookingWorkflow } from './bookings/workflow.ts';
import { checkoutWorkflow } from './commerce/index.ts';
import { notificationWorkflow } from './notifications/workflow.ts';
import { payoutWorkflow } from './payouts/workflow.ts';

export type CommandSide = { deps: CommandDeps; workflows: WorkflowRunner; close: () => Promise<void> };

export type ComposeOptions = {
  databaseUrl: string;
  config: Partial<Pick<Config, 'LOG_LEVEL'>> &
    Pick<Config, 'JWT_SECRET' | 'JWT_TTL_MINUTES' | 'HOST_RESPONSE_HOURS' | 'HOLD_TTL_MINUTES' | 'ORDER_PAYMENT_TIMEOUT_MINUTES' | 'PAYMENT_WEBHOOK_SECRET'> &
    Partial<Pick<Config, 'WORKFLOWS_IN'>> &
    Partial<SecuritySettings> &
    Partial<PayoutSettings> &
    Partial<MailSettings> &
    EventStoreConfig;
  clock?: Clock;
  gateway?: PaymentGateway;
  /** The mail channel; by default the one `MAIL` names (a log line per mail, or SMTP), behind a breaker. */
  notifier?: Notifier;
  eventStore?: EventStore;
  log?: Logger;
  workflowTickMs?: number;
};

/** Wires the command side: PostgreSQL (deadlines, idempotency), the event store, the gateway, the workflows. */
export const composeCommandSide = async (options: ComposeOptions): Promise<CommandSide> => {
  const pool = createPool(options.databaseUrl, 30);
  const written = options.eventStore ?? (await rawEventStoreFromConfig(options.config, pool));
  await SecretStore.migrate(pool);
  const secrets = new SecretStore(pool);
  await secrets.moveSecretsOutOfEvents(written);
  const eventStore = tracedEventStore(secretFree(written));
  await migrateIdempotency(pool);
  await WorkflowRunner.migrate(pool);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger('command-api', options.config.LOG_LEVEL);
  const deps: CommandDeps = {
    pool,
    eventStore,
    // The workflow runner in a process of its own writes bookings, orders and calendars too.
    processor: new CommandProcessor(eventStore, { observer: commandMetrics(), otherWriters: options.config.WORKFLOWS_IN === 'own-process' }),
    clock,
    tokens: jwtTokens(options.config.JWT_SECRET, options.config.JWT_TTL_MINUTES, () => clock.now()),
    gateway: options.gateway ?? new SimulatedGateway(),
    secrets,
    log,
    settings: options.config,
  };
  const workflows = new WorkflowRunner({
    pool,
    eventStore,
    clock,
    workflows: [
      bookingWorkflow(deps),
      checkoutWorkflow(deps),
      payoutWorkflow(deps),
      notificationWorkflow(deps, options.notifier ?? notifierFromConfig(options.config, log)),
    ],
    tickMs: options.workflowTickMs ?? 200,
    onError: (error, context) => log.warn({ err: error, ...context }, 'workflow failure'),
    onDone: (context) => log.debug(context, 'workflow task done'),
  });
  return {
    deps,
    workflows,
    close: async () => {
      await eventStore.close();
      await pool.end();
    },
  };
};
