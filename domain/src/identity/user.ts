import { z } from 'zod';
import { assertNever, unknownEvent, ensure, type Decider } from '../shared/index.ts';

const Id = z.string().min(1).max(128);
const Instant = z.iso.datetime();

export const Role = z.enum(['guest', 'host', 'admin']);
export type Role = z.infer<typeof Role>;

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
export const UserCommand = RegisterUser;
export type UserCommand = RegisterUser;

export const UserRegisteredData = z.object({
  userId: Id,
  email: z.email(),
  name: z.string(),
  role: Role,
  at: Instant,
});
export type UserRegisteredData = z.infer<typeof UserRegisteredData>;
export const UserRegistered = z.object({ type: z.literal('UserRegistered'), data: UserRegisteredData });
export type UserRegistered = z.infer<typeof UserRegistered>;
export const UserEvent = z.discriminatedUnion('type', [UserRegistered]);
export type UserEvent = z.infer<typeof UserEvent>;

export type UserState =
  | { status: 'none' }
  | { status: 'registered'; userId: string; email: string; role: Role; name: string };

const register = ({ data }: RegisterUser, state: UserState): UserEvent[] => {
  ensure(state.status === 'none', 'USER_EXISTS', `User ${data.userId} is already registered`);
  // the password hash lives in the credentials table, never in an event
  const { userId, name, role, now } = data;
  return [{ type: 'UserRegistered', data: { userId, email: normaliseEmail(data.email), name, role, at: now } }];
};

export const userDecider: Decider<UserCommand, UserState, UserEvent> = {
  initialState: { status: 'none' },
  decide: (command, state) => {
    switch (command.type) {
      case 'RegisterUser':
        return register(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'UserRegistered': {
        const { userId, email, role, name } = event.data;
        return { status: 'registered', userId, email, role, name };
      }
      default:
        return unknownEvent(state, event.type);
    }
  },
};
