import { z } from 'zod';
import { assertNever, unknownEvent, fail, type Decider } from '../shared/index.ts';
import { normaliseEmail } from './user.ts';

const Id = z.string().min(1).max(128);
const Instant = z.iso.datetime();

/** The caller hashes (sha256, hex) the normalised email: hashing is I/O-free but not domain logic. */
export const emailStreamId = (emailHashHex: string): string => `email-${emailHashHex}`;

export const ClaimEmail = z.object({
  type: z.literal('ClaimEmail'),
  data: z.object({ email: z.email(), userId: Id, now: Instant }),
});
export type ClaimEmail = z.infer<typeof ClaimEmail>;
export const EmailCommand = ClaimEmail;
export type EmailCommand = ClaimEmail;

export const EmailClaimedData = z.object({ email: z.email(), userId: Id, at: Instant });
export type EmailClaimedData = z.infer<typeof EmailClaimedData>;
export const EmailClaimed = z.object({ type: z.literal('EmailClaimed'), data: EmailClaimedData });
export type EmailClaimed = z.infer<typeof EmailClaimed>;
export const EmailEvent = z.discriminatedUnion('type', [EmailClaimed]);
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

export const emailDecider: Decider<EmailCommand, EmailState, EmailEvent> = {
  initialState: { status: 'free' },
  decide: (command, state) => {
    switch (command.type) {
      case 'ClaimEmail':
        return claim(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'EmailClaimed':
        return { status: 'claimed', email: event.data.email, userId: event.data.userId };
      default:
        return unknownEvent(state, event.type);
    }
  },
};
