import type { RecordedEvent } from '@stayhub/event-sourcing';

/** What anyone may see of a user: first name and since when a member. No email, no surname. */
export type UserProfile = { userId: string; firstName: string; role: string; memberSince: string };

/** What only the user sees of themselves (`GET /me`). */
export type OwnAccount = { email: string; name: string; phone?: string; locale?: string };

/**
 * The stored document: the public profile, the user's own account (served only to that user) and
 * the revision of the user stream folded last, which a redelivered event does not pass.
 */
export type UserProfileDocument = UserProfile & { account?: OwnAccount; revision?: number };

export const userProfileHandles = new Set(['UserRegistered', 'UserProfileChanged', 'UserEmailChanged']);

export const firstNameOf = (name: string): string => name.trim().split(/\s+/)[0] ?? '';

type Registered = { userId: string; email: string; name: string; role: string; at?: string };
type Changed = { changes: { name?: string; phone?: string | null; locale?: string } };

const changedAccount = (account: OwnAccount, { changes }: Changed): OwnAccount => {
  const { phone: _previous, ...rest } = account;
  const next = { ...rest, ...(changes.name !== undefined ? { name: changes.name } : {}), ...(changes.locale !== undefined ? { locale: changes.locale } : {}) };
  const phone = changes.phone === undefined ? account.phone : (changes.phone ?? undefined);
  return phone === undefined ? next : { ...next, phone };
};

/** Pure: a profile from the user's registration and changes; an event at or below the document's revision changes nothing. */
export const evolveUserProfile = (doc: UserProfileDocument | undefined, event: RecordedEvent): UserProfileDocument | undefined => {
  if (doc && event.streamRevision <= (doc.revision ?? 0)) return doc;
  switch (event.type) {
    case 'UserRegistered': {
      if (doc) return doc;
      const data = event.data as Registered;
      return {
        userId: data.userId,
        firstName: firstNameOf(data.name),
        role: data.role,
        memberSince: (data.at ?? event.occurredAt).slice(0, 7),
        account: { email: data.email, name: data.name },
        revision: event.streamRevision,
      };
    }
    case 'UserProfileChanged': {
      if (!doc) return doc;
      const change = event.data as Changed;
      // a row written before accounts were kept has none until the projection is rebuilt: its public name still follows
      if (!doc.account) return { ...doc, firstName: change.changes.name ? firstNameOf(change.changes.name) : doc.firstName, revision: event.streamRevision };
      const account = changedAccount(doc.account, change);
      return { ...doc, firstName: firstNameOf(account.name), account, revision: event.streamRevision };
    }
    case 'UserEmailChanged': {
      if (!doc) return doc;
      const { email } = event.data as { email: string };
      return { ...doc, ...(doc.account ? { account: { ...doc.account, email } } : {}), revision: event.streamRevision };
    }
    default:
      return doc;
  }
};
