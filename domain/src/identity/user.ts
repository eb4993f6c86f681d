import { z } from 'zod';
import { assertNever, unknownEvent, ensure, fail, Id, Instant, type Decider } from '../shared/index.ts';

const Role = z.enum(['guest', 'host', 'admin']);
type Role = z.infer<typeof Role>;

/** Emails are compared and stored lowercased; the hash of this form names the `email-…` stream. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

export const userStreamId = (userId: string): string => `user-${userId}`;

export const RegisterUser = z.object({
  type: z.literal('RegisterUser'),
  data: z.object({
    userId: Id,
    email: z.email(),
    name: z.string().trim().min(1).max(200),
    role: Role,
    now: Instant,
  }),
});
export type RegisterUser = z.infer<typeof RegisterUser>;

/** A display name: trimmed, 1 to 200 characters. */
const DisplayName = z.string().trim().min(1).max(200);
/** A phone number in international (E.164) form: `+`, country code, up to 15 digits. */
const Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'international form: + then 7 to 15 digits, e.g. +4915112345678');
/** A BCP 47 language tag such as `en`, `de-DE` or `pt-BR`. */
const Locale = z.string().regex(/^[a-z]{2,3}(-[A-Z]{2})?$/, 'a language tag such as en, de-DE or pt-BR');

/** What a user may change about themselves; a `null` phone removes it. */
export const ProfileChanges = z.object({
  name: DisplayName.optional(),
  phone: Phone.nullable().optional(),
  locale: Locale.optional(),
});
export type ProfileChanges = z.infer<typeof ProfileChanges>;

const ChangeProfile = z.object({
  type: z.literal('ChangeProfile'),
  data: z.object({ userId: Id, changes: ProfileChanges, now: Instant }),
});
type ChangeProfile = z.infer<typeof ChangeProfile>;

/**
 * A new sign-in email. `from` is the address the caller re-authenticated against: a user whose
 * email changed since is refused, so the claim released beside this change is always the one held.
 */
const ChangeEmail = z.object({
  type: z.literal('ChangeEmail'),
  data: z.object({ userId: Id, email: z.email(), from: z.email(), now: Instant }),
});
type ChangeEmail = z.infer<typeof ChangeEmail>;

export const UserCommand = z.discriminatedUnion('type', [RegisterUser, ChangeProfile, ChangeEmail]);
export type UserCommand = z.infer<typeof UserCommand>;

export const UserRegisteredData = z.object({
  userId: Id,
  email: z.email(),
  name: z.string(),
  role: Role,
  at: Instant,
});
export type UserRegisteredData = z.infer<typeof UserRegisteredData>;
const UserRegistered = z.object({ type: z.literal('UserRegistered'), data: UserRegisteredData });
export const UserProfileChangedData = z.object({ userId: Id, changes: ProfileChanges, at: Instant });
export type UserProfileChangedData = z.infer<typeof UserProfileChangedData>;
const UserProfileChanged = z.object({ type: z.literal('UserProfileChanged'), data: UserProfileChangedData });
/** The new address only, as `UserRegistered` carries the first: no password, no proof of re-authentication. */
export const UserEmailChangedData = z.object({ userId: Id, email: z.email(), at: Instant });
export type UserEmailChangedData = z.infer<typeof UserEmailChangedData>;
const UserEmailChanged = z.object({ type: z.literal('UserEmailChanged'), data: UserEmailChangedData });
export const UserEvent = z.discriminatedUnion('type', [UserRegistered, UserProfileChanged, UserEmailChanged]);
export type UserEvent = z.infer<typeof UserEvent>;

export type UserState = { status: 'none' } | { status: 'registered'; userId: string; email: string; role: Role; name: string; phone?: string; locale?: string };

const register = ({ data }: RegisterUser, state: UserState): UserEvent[] => {
  ensure(state.status === 'none', 'USER_EXISTS', `User ${data.userId} is already registered`);
  // the password hash lives in the credentials table, never in an event
  const { userId, name, role, now } = data;
  return [{ type: 'UserRegistered', data: { userId, email: normaliseEmail(data.email), name, role, at: now } }];
};

/** Only the fields that differ from the state become the event; nothing different, no event (a repeated PATCH is a no-op). */
const changeProfile = ({ data }: ChangeProfile, state: UserState): UserEvent[] => {
  if (state.status !== 'registered') return fail('USER_NOT_FOUND', `No user ${data.userId}`);
  const { name, phone, locale } = data.changes;
  const changes: ProfileChanges = {
    ...(name !== undefined && name !== state.name ? { name } : {}),
    ...(phone !== undefined && (phone ?? undefined) !== state.phone ? { phone } : {}),
    ...(locale !== undefined && locale !== state.locale ? { locale } : {}),
  };
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'UserProfileChanged', data: { userId: state.userId, changes, at: data.now } }];
};

const changeEmail = ({ data }: ChangeEmail, state: UserState): UserEvent[] => {
  if (state.status !== 'registered') return fail('USER_NOT_FOUND', `No user ${data.userId}`);
  ensure(state.email === normaliseEmail(data.from), 'EMAIL_CHANGED_MEANWHILE', 'Your email changed since you confirmed your password; try again');
  const email = normaliseEmail(data.email);
  if (email === state.email) return [];
  return [{ type: 'UserEmailChanged', data: { userId: state.userId, email, at: data.now } }];
};

export const userDecider: Decider<UserCommand, UserState, UserEvent> = {
  initialState: { status: 'none' },
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterUser':
        return register(command, state);
      case 'ChangeProfile':
        return changeProfile(command, state);
      case 'ChangeEmail':
        return changeEmail(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'UserRegistered': {
        const { userId, email, role, name } = event.data;
        return { status: 'registered', userId, email, role, name };
      }
      case 'UserProfileChanged': {
        if (state.status !== 'registered') return state;
        const { name, phone, locale } = event.data.changes;
        const { phone: _previous, ...rest } = state;
        const next = { ...rest, ...(name !== undefined ? { name } : {}), ...(locale !== undefined ? { locale } : {}) };
        const kept = phone === undefined ? state.phone : (phone ?? undefined);
        return kept === undefined ? next : { ...next, phone: kept };
      }
      case 'UserEmailChanged':
        return state.status === 'registered' ? { ...state, email: event.data.email } : state;
      default:
        return unknownEvent(state, event);
    }
  },
};
