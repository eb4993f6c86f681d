import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from '@stayhub/http-kit';

export type MessageLimiter = { take(senderId: string): Promise<void> };

/**
 * Messages per sender per window, the same budget over WebSocket and HTTP. Counted in memory per
 * process (a sender's sockets stick to one process; several processes may each allow the budget).
 * Over the limit: a 429 problem with `Retry-After`, which the socket answers as an error frame.
 */
export const messageLimiter = (options: { messages: number; windowSeconds: number }): MessageLimiter => {
  const limiter = new RateLimiterMemory({ points: options.messages, duration: options.windowSeconds, keyPrefix: 'chat-send' });
  return {
    take: async (senderId) => {
      try {
        await limiter.consume(senderId);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const retryAfterMs = Math.max(1, error.msBeforeNext);
        throw new HttpProblem(
          429,
          'Too Many Requests',
          `At most ${options.messages} messages per ${options.windowSeconds} s; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
          { code: 'rate_limited', retryAfterMs },
          { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) },
        );
      }
    },
  };
};
