import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChat, type ChatStack } from '../testing/harness.ts';
import { CloseCode } from './protocol.ts';
import { MAX_FRAME_BYTES } from './socket-server.ts';

let stack: ChatStack;
let booking: Awaited<ReturnType<ChatStack['booking']>>;
beforeAll(async () => {
  stack = await startChat();
  booking = await stack.booking();
});
afterAll(async () => {
  await stack?.close();
});

const stillServes = async () => {
  const socket = await stack.socket(booking.guest.token);
  expect(await socket.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
  await socket.close();
  expect((await stack.http('GET', '/health')).status).toBe(200);
};

const closedWith = async (socket: Awaited<ReturnType<ChatStack['socket']>>) => {
  await expect.poll(() => socket.closed(), { timeout: 10_000 }).toBeDefined();
  return socket.closed()!.code;
};

describe('fuzzed frames never crash the chat process', () => {
  it.each([
    ['bad JSON', '{"type": "send", '],
    ['an unknown type', JSON.stringify({ type: 'launch', conversationId: 'x' })],
    ['a known type with wrong fields', JSON.stringify({ type: 'send', conversationId: 12, text: ['x'] })],
    ['an unknown field', JSON.stringify({ type: 'ping', admin: true })],
    ['a bad conversation id', JSON.stringify({ type: 'subscribe', conversationId: '../../etc' })],
    ['a resume point beyond the conversation', JSON.stringify({ type: 'subscribe', conversationId: 'CONVERSATION', after: 10_000 })],
    ['JSON that is not an object', '42'],
    ['null', 'null'],
  ])('%s: an error frame, the socket stays open', async (_name, frame) => {
    const socket = await stack.socket(booking.guest.token);
    socket.send(frame.replace('CONVERSATION', booking.conversationId));
    expect(await socket.waitFor((f) => f.type === 'error')).toMatchObject({ type: 'error', status: 400 });
    expect(await socket.request({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await socket.close();
  });

  it('a binary frame closes the socket with 1003', async () => {
    const socket = await stack.socket(booking.guest.token);
    socket.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    expect(await closedWith(socket)).toBe(CloseCode.unsupportedData);
    await stillServes();
  });

  it('a frame over the size limit closes the socket with 1009', async () => {
    const socket = await stack.socket(booking.guest.token);
    socket.send(JSON.stringify({ type: 'send', conversationId: booking.conversationId, clientMessageId: 'big', text: 'x'.repeat(MAX_FRAME_BYTES) }));
    expect(await closedWith(socket)).toBe(CloseCode.tooBig);
    await stillServes();
  });

  it('a flood of bad frames closes the socket with 4400', async () => {
    const socket = await stack.socket(booking.guest.token);
    for (let i = 0; i < 25; i++) socket.send('nope');
    expect(await closedWith(socket)).toBe(CloseCode.tooManyBadFrames);
    await stillServes();
  });

  it('random frames (text, JSON of any shape, near-protocol frames) are each answered or ignored, and the process serves on', async () => {
    const nearProtocol = fc.record(
      {
        type: fc.constantFrom('subscribe', 'unsubscribe', 'send', 'read', 'typing', 'ping', 'pong', ''),
        ref: fc.oneof(fc.string(), fc.integer()),
        conversationId: fc.oneof(fc.constant(booking.conversationId), fc.string(), fc.constant('booking-unknown')),
        after: fc.oneof(fc.integer(), fc.double(), fc.string()),
        upTo: fc.oneof(fc.integer({ min: -5, max: 1e9 }), fc.string()),
        clientMessageId: fc.string(),
        text: fc.oneof(fc.string(), fc.integer()),
        attachments: fc.array(fc.record({ url: fc.oneof(fc.webUrl(), fc.string()) }), { maxLength: 3 }),
      },
      { requiredKeys: ['type'] },
    );
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      nearProtocol.map((frame) => JSON.stringify(frame)),
    );
    const socket = await stack.socket(booking.guest.token);
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 8 }), async (batch) => {
        if (socket.closed()) return;
        for (const frame of batch) socket.send(frame);
      }),
      { numRuns: 60, seed: 14 },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(socket.frames.some((frame) => frame.type === 'error' && frame.status === 500)).toBe(false);
    await socket.close();
    await stillServes();
  });
});
