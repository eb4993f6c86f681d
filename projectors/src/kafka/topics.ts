/** One Kafka topic per bounded context; the stream id is the message key, so a stream stays on one partition. */
const TOPICS = {
  listings: 'stayhub.listings',
  availability: 'stayhub.availability',
  bookings: 'stayhub.bookings',
  identity: 'stayhub.identity',
  commerce: 'stayhub.commerce',
  other: 'stayhub.other',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const allTopics: readonly Topic[] = Object.values(TOPICS);

const BY_PREFIX: ReadonlyArray<readonly [prefix: string, topic: Topic]> = [
  ['listing-', TOPICS.listings],
  ['calendar-', TOPICS.availability],
  ['booking-', TOPICS.bookings],
  ['user-', TOPICS.identity],
  ['email-', TOPICS.identity],
  ['product-', TOPICS.commerce],
  ['stock-', TOPICS.commerce],
  ['cart-', TOPICS.commerce],
  ['wishlist-', TOPICS.commerce],
  ['order-', TOPICS.commerce],
  ['payment-', TOPICS.commerce],
];

export const topicFor = (streamId: string): Topic => BY_PREFIX.find(([prefix]) => streamId.startsWith(prefix))?.[1] ?? TOPICS.other;

/** Kafka topic names allow only `[a-zA-Z0-9._-]`, at most 249 characters. */
export const deadLetterTopic = (groupId: string): string => `stayhub.dead-letter.${groupId.replace(/[^a-zA-Z0-9._-]/g, '_')}`.slice(0, 249);
