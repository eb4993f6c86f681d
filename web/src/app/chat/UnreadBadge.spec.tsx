// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnreadBadge } from './UnreadBadge.tsx';

const conversation = (conversationId: string, unread: number) => ({
  conversationId,
  kind: 'inquiry',
  bookingId: null,
  listingId: 'l1',
  listingTitle: 'Loft',
  role: 'guest',
  otherParty: { userId: 'h1', firstName: 'Marta' },
  lastSeq: 3,
  lastActivityAt: '2026-05-01T10:00:00.000Z',
  unread,
});

const serve = (conversations: unknown[]) => {
  const urls: string[] = [];
  vi.stubGlobal('fetch', async (input: string) => {
    urls.push(input);
    return new Response(JSON.stringify({ conversations }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return urls;
};

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the unread badge', () => {
  it('adds up the unread messages of every conversation', async () => {
    const urls = serve([conversation('a', 2), conversation('b', 0), conversation('c', 1)]);
    render(<UnreadBadge />);
    expect((await screen.findByText('3 unread')).className).toContain('badge-unread');
    expect(urls[0]).toBe('/api/chat/me/conversations?limit=200');
  });

  it('shows nothing when all is read', async () => {
    const urls = serve([conversation('a', 0)]);
    const { container } = render(<UnreadBadge />);
    await vi.waitFor(() => expect(urls).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(container.textContent).toBe('');
  });
});
