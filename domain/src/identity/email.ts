import { z } from 'zod';
import { assertNever, unknownEvent, fail, Id, Instant, type Decider } from '../shared/index.ts';
import { normaliseEmail } from './user.ts';

/** The caller hashes (sha256, hex) the normalised email: hashing is I/O-free but not domain logic. */
export const emailStreamId = (emailHashHex: string): string => `email-${emailHashHex}`;

export const ClaimEmail = z.object({
  type: z.literal('ClaimEmail'),
  data: z.object({ email: z.email(), userId: Id, now: Instant }),
});
export type ClaimEmail = z.infer<typeof ClaimEmail>;
/** The owner gives an address up (an email change): it is free for anyone to claim again. */
const ReleaseEmail = z.object({
  type: z.literal('ReleaseEmail'),
  data: z.object({ email: z.email(), userId: Id, now: Instant }),
});
type ReleaseEmail = z.infer<typeof ReleaseEmail>;
export const EmailCommand = z.discriminatedUnion('type', [ClaimEmail, ReleaseEmail]);
export type EmailCommand = z.infer<typeof EmailCommand>;

const EmailClaimedData = z.object({ email: z.email(), userId: Id, at: Instant });
const EmailClaimed = z.object({ type: z.literal('EmailClaimed'), data: EmailClaimedData });
const EmailReleasedData = z.object({ email: z.email(), userId: Id, at: Instant });
const EmailReleased = z.object({ type: z.literal('EmailReleased'), data: EmailReleasedData });
export const EmailEvent = z.discriminatedUnion('type', [EmailClaimed, EmailReleased]);
export type EmailEvent = z.infer<typeof EmailEvent>;

export type EmailState = { status: 'free' } | { status: 'claimed'; email: string; userId: string };

const claim = ({ data }: ClaimEmail, state: EmailState): EmailEvent[] => {
  const email = normaliseEmail(data.email);
  if (state.status === 'claimed') {
    if (state.userId === data.userId) return [];
    return fail('EMAIL_TAKEN', `${email} is already registered`, { email });
  }
  return [{ type: 'EmailClaimed', data: { email, userId: data.userId, at: data.now } }];
};

/** Only the holder releases an address; anyone else's release (or a second one) changes nothing. */
const release = ({ data }: ReleaseEmail, state: EmailState): EmailEvent[] => {
  if (state.status !== 'claimed' || state.userId !== data.userId) return [];
  return [{ type: 'EmailReleased', data: { email: state.email, userId: data.userId, at: data.now } }];
};

export const emailDecider: Decider<EmailCommand, EmailState, EmailEvent> = {
  initialState: { status: 'free' },
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimEmail':
        return claim(command, state);
      case 'ReleaseEmail':
        return release(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'EmailClaimed':
        return { status: 'claimed', email: event.data.email, userId: event.data.userId };
      case 'EmailReleased':
        return { status: 'free' };
      default:
        return unknownEvent(state, event);
    }
  },
};
