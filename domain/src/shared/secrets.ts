/**
 * Fields that once travelled in events and must not: a password hash (now in the credentials
 * table) and a card token (now in the payment record of the booking or order). An event written
 * before is read without them; the stored event is never rewritten.
 */
const secretFields: Record<string, readonly string[]> = {
  UserRegistered: ['passwordHash'],
  BookingRequested: ['paymentMethod'],
  OrderPlaced: ['paymentMethod'],
  OrderPaymentRequested: ['paymentMethod'],
};

/** The event's data without the secrets an older version carried (the same object when it has none). */
export const withoutSecrets = <E extends { type: string; data: unknown }>(event: E): E => {
  const fields = secretFields[event.type];
  const data = event.data as Record<string, unknown> | null;
  if (!fields || !data || typeof data !== 'object' || !fields.some((field) => field in data)) return event;
  return { ...event, data: Object.fromEntries(Object.entries(data).filter(([key]) => !fields.includes(key))) };
};

/** The secrets an older event carried, to move them where they now live (once, before reading it upcast). */
export const secretsOf = (event: {
  type: string;
  data: unknown;
}): { passwordHash?: { userId: string; hash: string }; paymentMethod?: { reference: string; token: string } } => {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  switch (event.type) {
    case 'UserRegistered': {
      const userId = text('userId');
      const hash = text('passwordHash');
      return userId && hash ? { passwordHash: { userId, hash } } : {};
    }
    case 'BookingRequested':
    case 'OrderPlaced': {
      const reference = text(event.type === 'BookingRequested' ? 'bookingId' : 'orderId');
      const token = text('paymentMethod');
      return reference && token ? { paymentMethod: { reference, token } } : {};
    }
    default:
      return {};
  }
};
