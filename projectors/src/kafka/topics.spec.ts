import { describe, expect, it } from 'vitest';
import { allTopics, deadLetterTopic, topicFor } from './topics.ts';

describe('topicFor', () => {
  it.each([
    ['listing-1', 'stayhub.listings'],
    ['calendar-rt1-2026-07', 'stayhub.availability'],
    ['booking-9', 'stayhub.bookings'],
    ['user-3', 'stayhub.identity'],
    ['email-ab12', 'stayhub.identity'],
    ['product-1', 'stayhub.commerce'],
    ['stock-SKU-1', 'stayhub.commerce'],
    ['cart-1', 'stayhub.commerce'],
    ['wishlist-1', 'stayhub.commerce'],
    ['order-1', 'stayhub.commerce'],
    ['payment-1', 'stayhub.commerce'],
    ['conversation-1', 'stayhub.other'],
    ['bookings', 'stayhub.other'],
  ])('%s goes to %s', (streamId, topic) => {
    expect(topicFor(streamId)).toBe(topic);
    expect(allTopics).toContain(topic);
  });
});

describe('deadLetterTopic', () => {
  it('is one topic per group, with characters Kafka accepts', () => {
    expect(deadLetterTopic('search-projection')).toBe('stayhub.dead-letter.search-projection');
    expect(deadLetterTopic('a b/c')).toBe('stayhub.dead-letter.a_b_c');
    expect(deadLetterTopic('x'.repeat(300))).toHaveLength(249);
  });
});
