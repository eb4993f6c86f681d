import {
  CommandProcessor,
  createLogger,
  createPool,
  migrateIdempotency,
  jwtTokens,
  systemClock,
  WorkflowRunner,
  type Clock,
  type Config,
  type EventStore,
  type Logger,
  type MailSettings,
  type PayoutSettings,
  type SecuritySettings,
} from '@stayhub/infra';
import { rawEventStoreFromConfig, type EventStoreConfig } from '@stayhub/infra/event-store/from-config';
import { secretFree, SecretStore } from '@stayhub/infra/secrets/store';
import { tracedEventStore } from '@stayhub/infra/tracing/event-store';
import type { PaymentGateway } from '@stayhub/infra/payments/port';
import { SimulatedGateway } from '@stayhub/infra/payments/simulated';
import { notifierFromConfig, type Notifier } from '@stayhub/infra/notifications/index';
import type { CommandDeps } from './shared/deps.ts';
import { bookingWorkflow } from './bookings/workflow.ts';
import { checkoutWorkflow } from './commerce/index.ts';
import { notificationWorkflow } from './notifications/workflow.ts';
import { payoutWorkflow } from './payouts/workflow.ts';
import { commandMetrics } from '@stayhub/infra/commands/metrics';

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
