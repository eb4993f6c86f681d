import { bookings, identity } from '@stayhub/domain';
import type { Reaction, RecordedEvent, Workflow } from '@stayhub/event-sourcing';
import type { Notifier } from '@stayhub/notifications';
import type { CommandDeps } from '../shared/deps.ts';
import { emailStream } from '../identity/email-stream.ts';

type BookingMailTemplate = 'booking.requested' | 'booking.confirmed' | 'booking.cancelled' | 'booking.declined' | 'booking.payment_failed';
type Recipient = 'guest' | 'host';

/**
 * One mail to the guest or the host of a booking (`details` are the event's facts worth telling),
 * or the mail that answers a registration: a welcome, or "you already have an account".
 */
export type NotificationTask =
  | {
      type: 'SendBookingMail';
      bookingId: string;
      recipient: Recipient;
      template: BookingMailTemplate;
      details: Record<string, unknown>;
    }
  | { type: 'SendRegistrationMail'; userId: string; at: string };

const mails = (event: RecordedEvent, template: BookingMailTemplate, to: Recipient[], bookingId: string, at: string, details: Record<string, unknown>) =>
  to.map(
    (recipient): Reaction<NotificationTask> => ({
      // one per event and recipient: a redelivered event schedules nothing twice
      taskId: `mail:${event.eventId}:${recipient}`,
      dueAt: at,
      task: { type: 'SendBookingMail', bookingId, recipient, template, details },
    }),
  );

/** Which booking events are told to whom. Pure: the runner stores the reactions as durable tasks. */
export const notificationReactions = (event: RecordedEvent): Reaction<NotificationTask>[] => {
  if (event.type === 'UserRegistered') {
    const { userId, at } = event.data as { userId: string; at: string };
    return [{ taskId: `mail:${event.eventId}:registration`, dueAt: at, task: { type: 'SendRegistrationMail', userId, at } }];
  }
  if (!bookings.isBookingEvent(event)) return [];
  switch (event.type) {
    case 'BookingRequested': {
      // an instant booking is mailed to the host once it is confirmed; a request has a deadline to answer
      const { bookingId, at, instantBook, guests, respondBy } = event.data;
      return instantBook ? [] : mails(event, 'booking.requested', ['host'], bookingId, at, { guests, ...(respondBy ? { respondBy } : {}) });
    }
    case 'BookingPaymentFailed':
      return mails(event, 'booking.payment_failed', ['guest'], event.data.bookingId, event.data.at, { reason: event.data.reason });
    case 'BookingConfirmed':
      return mails(event, 'booking.confirmed', ['guest', 'host'], event.data.bookingId, event.data.at, {});
    case 'BookingCancelled': {
      const { bookingId, at, byRole, refund, reason } = event.data;
      return mails(event, 'booking.cancelled', ['guest', 'host'], bookingId, at, { byRole, refund, reason });
    }
    case 'BookingDeclined':
      return mails(event, 'booking.declined', ['guest'], event.data.bookingId, event.data.at, { reason: event.data.reason });
    default:
      return [];
  }
};

/**
 * Mails guests and hosts about their bookings. It runs beside the booking workflow on the same
 * durable runner but shares nothing with it: a mail server that is down makes these tasks fail
 * and retry with backoff (the task id is the channel's idempotency key, so a mail goes out once),
 * while bookings go on. Mail may wait a long time before it is given up (parked).
 */
export const notificationWorkflow = (deps: Pick<CommandDeps, 'processor'>, notifier: Notifier): Workflow<NotificationTask> => ({
  name: 'notifications',
  maxAttempts: 200,
  react: notificationReactions,
  execute: async (task, { taskId }) => {
    switch (task.type) {
      case 'SendBookingMail': {
        const booking = (await deps.processor.load(bookings.bookingStreamId(task.bookingId), bookings.bookingDecider, { current: true })).state;
        if (booking.status === 'none') return;
        const userId = task.recipient === 'guest' ? booking.guestId : booking.hostId;
        const user = (await deps.processor.load(identity.userStreamId(userId), identity.userDecider, { current: true })).state;
        if (user.status !== 'registered') return;
        await notifier.send({
          to: user.email,
          template: task.template,
          idempotencyKey: taskId,
          data: {
            name: user.name,
            role: task.recipient,
            bookingId: booking.bookingId,
            listingId: booking.listingId,
            stay: booking.stay,
            ...(booking.timeZone ? { timeZone: booking.timeZone } : {}),
            total: booking.total,
            ...task.details,
          },
        });
        return;
      }
      case 'SendRegistrationMail': {
        const user = (await deps.processor.load(identity.userStreamId(task.userId), identity.userDecider, { current: true })).state;
        if (user.status !== 'registered') return;
        // The claim follows the user within the same request, so the workflow can see the user a moment
        // before it: wait a little for it here (a retry's backoff is long for a mail a person awaits),
        // then try again later.
        let claim = (await deps.processor.load(emailStream(user.email), identity.emailDecider, { current: true })).state;
        for (let waited = 0; claim.status !== 'claimed' && waited < CLAIM_WAIT_MS; waited += CLAIM_POLL_MS) {
          await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
          claim = (await deps.processor.load(emailStream(user.email), identity.emailDecider, { current: true })).state;
        }
        if (claim.status !== 'claimed') throw new Error(`the registration of ${task.userId} has not claimed its email yet`);
        const mine = claim.userId === task.userId;
        await notifier.send({
          to: identity.normaliseEmail(user.email),
          template: mine ? 'account.welcome' : 'account.exists',
          idempotencyKey: taskId,
          // The owner hears of someone's attempt, and nothing of what they typed.
          data: mine ? { name: user.name, role: user.role } : { attemptedAt: task.at },
        });
        return;
      }
      default:
        return assertTask(task);
    }
  },
});

const CLAIM_WAIT_MS = 3000;
const CLAIM_POLL_MS = 25;

const assertTask = (task: never): never => {
  throw new Error(`Unknown notification task ${JSON.stringify(task)}`);
};
