/**
 * Every rule the domain can refuse, by stable code. The apps map each code to a status;
 * the domain knows nothing of HTTP. Kinds: `invalid` (bad value), `not_found`, `forbidden`,
 * `conflict` (state does not allow it now, or capacity is gone), `rule` (a business rule broken).
 */
const errorKinds = {
  // identity
  EMAIL_TAKEN: 'conflict',
  EMAIL_CHANGED_MEANWHILE: 'conflict',
  USER_EXISTS: 'conflict',
  USER_NOT_FOUND: 'not_found',
  // listings
  LISTING_NOT_FOUND: 'not_found',
  LISTING_EXISTS: 'conflict',
  LISTING_INCOMPLETE: 'rule',
  LISTING_NOT_PUBLISHED: 'rule',
  LISTING_UNLISTED: 'conflict',
  NOT_LISTING_OWNER: 'forbidden',
  UNIT_TYPE_NOT_FOUND: 'not_found',
  // calendar
  NIGHTS_UNAVAILABLE: 'conflict',
  HOLD_NOT_FOUND: 'not_found',
  CAPACITY_EXCEEDED: 'rule',
  // bookings
  BOOKING_NOT_FOUND: 'not_found',
  BOOKING_EXISTS: 'conflict',
  BOOKING_STATE: 'conflict',
  NOT_BOOKING_GUEST: 'forbidden',
  NOT_BOOKING_HOST: 'forbidden',
  STAY_INVALID: 'invalid',
  STAY_IN_PAST: 'rule',
  PARTY_TOO_LARGE: 'rule',
  REVIEW_NOT_ALLOWED: 'rule',
  CANNOT_BOOK_OWN_LISTING: 'rule',
  PARTY_INVALID: 'invalid',
  REVIEW_INVALID: 'invalid',
  // commerce
  PRODUCT_NOT_FOUND: 'not_found',
  PRODUCT_EXISTS: 'conflict',
  PRODUCT_DISCONTINUED: 'rule',
  NOT_PRODUCT_SELLER: 'forbidden',
  OUT_OF_STOCK: 'conflict',
  STOCK_HOLD_NOT_FOUND: 'not_found',
  CART_EMPTY: 'rule',
  ORDER_NOT_FOUND: 'not_found',
  ORDER_EXISTS: 'conflict',
  ORDER_STATE: 'conflict',
  NOT_ORDER_OWNER: 'forbidden',
  NOT_DELIVERABLE: 'rule',
  CURRENCY_MISMATCH: 'rule',
  // payments
  PAYMENT_STATE: 'conflict',
  // A sum or product of valid amounts that leaves the range every amount must stay in: a rule, not a bad value.
  AMOUNT_INVALID: 'rule',
  // listings and calendar (appended)
  LISTING_INVALID: 'invalid',
  CALENDAR_KEYS_INVALID: 'invalid',
  HOLD_CONFLICT: 'conflict',
  HOLD_RELEASED: 'conflict',
  // commerce (appended)
  ORDER_LINE_INVALID: 'invalid',
  STOCK_HOLD_RELEASED: 'conflict',
  SKU_TAKEN: 'conflict',
  // chat (appended)
  CONVERSATION_NOT_FOUND: 'not_found',
  CONVERSATION_EXISTS: 'conflict',
  NOT_CONVERSATION_PARTY: 'forbidden',
  MESSAGE_INVALID: 'invalid',
  READ_BEYOND_HEAD: 'invalid',
  CANNOT_MESSAGE_SELF: 'rule',
  // payouts (appended)
  PAYOUT_NOT_FOUND: 'not_found',
  REFUND_INVALID: 'rule',
  DEPOSIT_NOT_ALLOWED: 'rule',
  // per-date prices (appended)
  PRICES_INVALID: 'invalid',
} as const satisfies Record<string, ErrorKind>;

export type ErrorKind = 'invalid' | 'not_found' | 'forbidden' | 'conflict' | 'rule';
export type ErrorCode = keyof typeof errorKinds;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly kind: ErrorKind;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.kind = errorKinds[code];
  }
}

export const fail = (code: ErrorCode, message: string, details?: Record<string, unknown>): never => {
  throw new DomainError(code, message, details);
};

export const ensure = (condition: unknown, code: ErrorCode, message: string, details?: Record<string, unknown>): void => {
  if (!condition) fail(code, message, details);
};
