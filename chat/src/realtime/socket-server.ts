import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { z } from 'zod';
import { HttpProblem, zodIssues, type AuthUser } from '@stayhub/http-kit';
import { counter, gauge, histogram } from '@stayhub/platform-kit';
import { markRead, readableConversation, sendMessage } from '../conversations/commands.ts';
import type { ChatDeps } from '../shared/deps.ts';
import type { Listener } from './hub.ts';
import { ClientFrame, CloseCode, type ServerFrame, type WireEvent } from './protocol.ts';

const WS_PATH = '/ws';
export const MAX_FRAME_BYTES = 64 * 1024;
/** Bad frames a socket may send before it is closed. */
const MAX_BAD_FRAMES = 20;
/** Bytes waiting to be sent to a socket before it counts as too slow (it reconnects and resumes). */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const HEARTBEAT_MS = 30_000;

const domainStatus: Record<string, number> = { invalid: 400, not_found: 404, forbidden: 403, conflict: 409, rule: 422 };

/** Whatever a frame's handling threw, as an error frame (the same statuses as the HTTP routes). */
const errorFrame = (error: unknown, ref: string | undefined, conversationId?: string): ServerFrame | undefined => {
  const base = { type: 'error' as const, ...(ref ? { ref } : {}), ...(conversationId ? { conversationId } : {}) };
  if (error instanceof HttpProblem) {
    const retryAfterMs = error.extra.retryAfterMs as number | undefined;
    return {
      ...base,
      status: error.status,
      code: String(error.extra.code ?? error.title),
      detail: error.detail ?? error.title,
      ...(retryAfterMs ? { retryAfterMs } : {}),
    };
  }
  if (error instanceof Error && error.name === 'DomainError') {
    const { kind, code, message } = error as Error & { kind: string; code: string };
    return { ...base, status: domainStatus[kind] ?? 422, code, detail: message };
  }
  return undefined;
};

/** Each stored event's frame, serialised once however many sockets it goes to. */
const eventFrames = new WeakMap<WireEvent, string>();
const eventFrame = (event: WireEvent): string => {
  let text = eventFrames.get(event);
  if (text === undefined) {
    text = JSON.stringify({ type: 'event', event } satisfies ServerFrame);
    eventFrames.set(event, text);
  }
  return text;
};

const bearerOf = (req: IncomingMessage): string | undefined => {
  const header = req.headers.authorization;
  const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  if (match) return match[1];
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('access_token') ?? undefined;
};

const refuse = (socket: Duplex, status: number, reason: string) => {
  const body = JSON.stringify({ type: 'about:blank', title: reason, status });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
};

/**
 * The WebSocket endpoint at `/ws`: the token is checked on the upgrade (a bad one is refused with
 * 401 before any socket exists), then each JSON frame is parsed with zod and handled; nothing a
 * client sends can throw past this file.
 */
export const attachSockets = (server: Server, deps: ChatDeps): { close: () => Promise<void> } => {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, clientTracking: true });
  const metrics = socketMetrics();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) return refuse(socket, 404, 'Not Found');
    const token = bearerOf(req);
    if (!token) return refuse(socket, 401, 'Unauthorized');
    deps.tokens.verify(token).then(
      (user) => wss.handleUpgrade(req, socket, head, (ws) => connect(ws, user, socket)),
      () => refuse(socket, 401, 'Unauthorized'),
    );
  });

  const connect = (ws: WebSocket, user: AuthUser, socket: Duplex) => {
    let alive = true;
    let badFrames = 0;
    // Frames sent in one turn of the event loop (the events of one commit, an ack beside its own
    // event) leave in one write: the connection is corked at the first and uncorked once the turn's
    // work is done.
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const write = (text: string): boolean => {
      if (ws.readyState !== ws.OPEN) return false;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.close(CloseCode.slowConsumer, 'too slow: reconnect and resume from your last sequence');
        return false;
      }
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      ws.send(text);
      return true;
    };
    const send = (frame: ServerFrame): void => {
      write(JSON.stringify(frame));
    };
    const listener: Listener = {
      userId: user.userId,
      event: (event) => {
        if (write(eventFrame(event))) metrics.delivered.inc();
      },
      typing: (conversationId, userId) => send({ type: 'typing', conversationId, userId }),
      failed: (error) => {
        deps.log.warn({ err: error, userId: user.userId }, 'delivery to a socket failed');
        ws.close(CloseCode.tryAgainLater, 'delivery failed: reconnect and resume');
      },
    };
    deps.hub.connected(listener);
    metrics.connections.inc();
    metrics.opened.inc();
    ws.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, HEARTBEAT_MS);
    ws.on('error', (error) => deps.log.debug({ err: error, userId: user.userId }, 'socket error'));
    ws.on('close', (code: number) => {
      metrics.connections.dec();
      metrics.closed.inc({ code: String(code) });
      clearInterval(heartbeat);
      deps.hub.disconnected(listener);
    });

    const bad = (detail: string, ref?: string, extra: Record<string, unknown> = {}) => {
      badFrames++;
      send({ type: 'error', ...(ref ? { ref } : {}), status: 400, code: 'bad_frame', detail, ...extra });
      if (badFrames >= MAX_BAD_FRAMES) ws.close(CloseCode.tooManyBadFrames, 'too many bad frames');
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const received = performance.now();
      if (isBinary) return ws.close(CloseCode.unsupportedData, 'send JSON text frames');
      let json: unknown;
      try {
        json = JSON.parse(data.toString());
      } catch {
        return bad('The frame is not valid JSON');
      }
      const parsed = ClientFrame.safeParse(json);
      if (!parsed.success) {
        const ref = typeof (json as { ref?: unknown })?.ref === 'string' ? (json as { ref: string }).ref.slice(0, 100) : undefined;
        return bad('The frame does not match the protocol', ref, { errors: zodIssues(parsed.error as z.ZodError) });
      }
      const frame = parsed.data;
      handle(frame, received).catch((error: unknown) => {
        const ref = 'ref' in frame ? frame.ref : undefined;
        const conversationId = 'conversationId' in frame ? frame.conversationId : undefined;
        const answer = errorFrame(error, ref, conversationId);
        if (answer) return send(answer);
        deps.log.error({ err: error, userId: user.userId, frame: frame.type }, 'frame failed');
        send({
          type: 'error',
          ...(ref ? { ref } : {}),
          status: 500,
          code: 'internal',
          detail: 'Something went wrong on our side; the frame can be sent again',
        });
      });
    });

    const handle = async (frame: ClientFrame, received: number): Promise<void> => {
      switch (frame.type) {
        case 'subscribe': {
          const conversation = await readableConversation(deps, user, frame.conversationId);
          if ((frame.after ?? -1) > conversation.head) {
            throw new HttpProblem(400, 'Bad Request', `The conversation ends at sequence ${conversation.head}; resume from a sequence you have seen`, {
              code: 'after_beyond_head',
            });
          }
          send({ type: 'subscribed', ...(frame.ref ? { ref: frame.ref } : {}), conversationId: frame.conversationId, head: conversation.head });
          if (ws.readyState === ws.OPEN) deps.hub.subscribe(listener, frame.conversationId, frame.after ?? conversation.head);
          return;
        }
        case 'unsubscribe':
          deps.hub.unsubscribe(listener, frame.conversationId);
          return send({ type: 'unsubscribed', ...(frame.ref ? { ref: frame.ref } : {}), conversationId: frame.conversationId });
        case 'send': {
          const sent = await sendMessage(deps, user, frame.conversationId, frame);
          // The commit is durable and its events are written to this process's sockets (same turn).
          metrics.sendStored.observe((performance.now() - received) / 1000);
          return send({
            type: 'ack',
            ...(frame.ref ? { ref: frame.ref } : {}),
            conversationId: frame.conversationId,
            seq: sent.seq,
            clientMessageId: frame.clientMessageId,
            ...(sent.messageId ? { messageId: sent.messageId } : {}),
            ...(sent.duplicate ? { duplicate: true } : {}),
          });
        }
        case 'read': {
          const handled = await markRead(deps, user, frame.conversationId, frame.upTo);
          return send({ type: 'ack', ...(frame.ref ? { ref: frame.ref } : {}), conversationId: frame.conversationId, seq: handled.revision });
        }
        case 'typing': {
          const conversation = await readableConversation(deps, user, frame.conversationId);
          if (conversation.guestId === user.userId || conversation.hostId === user.userId) deps.hub.typing(frame.conversationId, user.userId);
          return;
        }
        case 'ping':
          return send({ type: 'pong', ...(frame.ref ? { ref: frame.ref } : {}) });
        default:
          return assertFrame(frame);
      }
    };

    send({ type: 'ready', userId: user.userId, role: user.role });
  };

  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.close(CloseCode.goingAway, 'server shutting down');
        const cut = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 2_000);
        wss.close(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
};

const assertFrame = (frame: never): never => {
  throw new Error(`Unhandled frame ${JSON.stringify(frame)}`);
};

/** The chat's sockets in Prometheus: open now, opened, closed by close code, events delivered, how long a send takes here. */
const socketMetrics = () => ({
  connections: gauge('chat_connections', 'WebSocket connections open on this chat process'),
  opened: counter('chat_connections_opened_total', 'WebSocket connections accepted'),
  closed: counter('chat_connections_closed_total', 'WebSocket connections closed, by close code', ['code']),
  delivered: counter('chat_events_delivered_total', 'Conversation events sent to sockets (one per subscribed socket)'),
  sendStored: histogram(
    'chat_send_stored_seconds',
    'A send frame, from its arrival to its message stored and written to the sockets of this process that follow the conversation (the ack is next)',
    [],
    [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5],
  ),
});
