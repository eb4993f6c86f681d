import type { RecordedEvent } from '@stayhub/infra';

/** What anyone may see of a user: first name and since when a member. No email, no surname. */
export type UserProfile = { userId: string; firstName: string; role: string; memberSince: string };

export const userProfileHandles = new Set(['UserRegistered']);

const firstNameOf = (name: string): string => name.trim().split(/\s+/)[0] ?? '';

/** Pure: a profile from the user's registration; a redelivered event changes nothing. */
export const evolveUserProfile = (doc: UserProfile | undefined, event: RecordedEvent): UserProfile | undefined => {
  if (doc || event.type !== 'UserRegistered') return doc;
  const data = event.data as { userId: string; name: string; role: string; at?: string };
  return { userId: data.userId, firstName: firstNameOf(data.name), role: data.role, memberSince: (data.at ?? event.occurredAt).slice(0, 7) };
};
