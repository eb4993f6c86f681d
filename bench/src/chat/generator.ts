/**
 * One load generator of `bench:chat`, a process of its own (forked by `src/chat.ts`, driven over
 * IPC): it holds the sockets of whole conversations (both parties, so a delivery is timed on the
 * clock that stamped its send), sends at its share of the offered rate, and answers with what it
 * counted. Several of them keep the clients from being the bottleneck of a chat on the same machine.
 */
import { inParallel } from '../shared/http.ts';
import { BenchClient, now } from './clients.ts';

export type Party = { userId: string; token: string };
export type GeneratorSetup = { wsUrl: string; conversations: { conversationId: string; parties: [Party, Party] }[]; rate: number; maxInFlight: number };

/** What the driver asks, one at a time; each is answered by a message with the same `ask`. */
export type Ask =
  | { ask: 'connect'; setup: GeneratorSetup }
  | { ask: 'send' }
  | { ask: 'measure' }
  | { ask: 'endMeasure' }
  | { ask: 'pause' }
  | { ask: 'stopSending' }
  | { ask: 'drop' }
  | { ask: 'reconnect' }
  | { ask: 'caughtUp'; heads: Record<string, number> }
  | { ask: 'exit' };

export type Window = {
  sent: number;
  notOffered: number;
  acked: number;
  latencies: number[];
  ackLatencies: number[];
};
export type Settled = { acked: number; rejected: Record<string, number>; lost: number };
export type Received = { received: number; duplicates: number; gaps: number };

let setup: GeneratorSetup;
const clients: BenchClient[] = [];
const delivered = new Set<string>();
const ackedKeys: string[] = [];
const rejected: Record<string, number> = {};
let measuring = false;
let sending = false;
let sender: Promise<void> = Promise.resolve();
let sent = 0;
let answered = 0;
let window: Window = { sent: 0, notOffered: 0, acked: 0, latencies: [], ackLatencies: [] };

const onDelivery = (client: BenchClient, sentAt: number, senderId: string) => {
  if (senderId === client.userId) return;
  delivered.add(`${client.conversationId}:${client.lastSeq}`);
  if (measuring) window.latencies.push(now() - sentAt);
};

/** Open loop at this generator's rate, in 10 ms ticks, skipping a send while `maxInFlight` await their ack. */
const sendLoop = async () => {
  const tickMs = 10;
  const perTick = (setup.rate * tickMs) / 1000;
  const start = now();
  let carry = 0;
  let next = 0;
  for (let tick = 0; sending; tick++) {
    carry += perTick;
    for (; carry >= 1; carry--) {
      if (sent - answered >= setup.maxInFlight) {
        if (measuring) window.notOffered++;
        continue;
      }
      const client = clients[next++ % clients.length]!;
      const sentAt = now();
      const id = `m${sent++}@${sentAt}`;
      const counted = measuring;
      if (counted) window.sent++;
      void client.send(`message ${id}`, id).then((frame) => {
        answered++;
        if (counted) window.ackLatencies.push(now() - sentAt);
        if (frame.type === 'ack') {
          if (measuring) window.acked++;
          ackedKeys.push(`${client.conversationId}:${frame.seq}`);
        } else rejected[String(frame.status)] = (rejected[String(frame.status)] ?? 0) + 1;
      });
    }
    const wait = start + (tick + 1) * tickMs - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
};

const totals = (): Received => ({
  received: clients.reduce((sum, c) => sum + c.received, 0),
  duplicates: clients.reduce((sum, c) => sum + c.duplicates, 0),
  gaps: clients.reduce((sum, c) => sum + c.gaps, 0),
});

const answer = async (message: Ask): Promise<unknown> => {
  switch (message.ask) {
    case 'connect': {
      setup = message.setup;
      for (const { conversationId, parties } of setup.conversations) {
        for (const party of parties) clients.push(new BenchClient(setup.wsUrl, party.token, party.userId, conversationId, onDelivery));
      }
      await inParallel(clients, 25, (client) => client.connect());
      return { sockets: clients.length };
    }
    case 'send':
      sending = true;
      sender = sendLoop();
      return {};
    case 'measure':
      window = { sent: 0, notOffered: 0, acked: 0, latencies: [], ackLatencies: [] };
      measuring = true;
      return {};
    case 'endMeasure':
      measuring = false;
      return window;
    case 'pause': {
      // stops sending, and answers once what was sent is answered (bounded), so the chat is quiet
      sending = false;
      await sender;
      const deadline = now() + 30_000;
      while (now() < deadline && answered < sent) await new Promise((resolve) => setTimeout(resolve, 50));
      return {};
    }
    case 'stopSending': {
      sending = false;
      await sender;
      // every acknowledged message gets 30 s to arrive, then what the other party never got is lost
      const deadline = now() + 30_000;
      while (now() < deadline && (answered < sent || ackedKeys.some((key) => !delivered.has(key)))) await new Promise((resolve) => setTimeout(resolve, 200));
      return { acked: ackedKeys.length, rejected, lost: ackedKeys.filter((key) => !delivered.has(key)).length } satisfies Settled;
    }
    case 'drop':
      for (const client of clients) client.drop();
      return totals();
    case 'reconnect':
      await Promise.all(clients.map((client) => client.connect()));
      return {};
    case 'caughtUp':
      await Promise.all(clients.map((client) => client.caughtUp(message.heads[client.conversationId]!)));
      return totals();
    case 'exit':
      for (const client of clients) client.ws?.terminate();
      setImmediate(() => process.exit(0));
      return {};
  }
};

process.on('message', (message: Ask) => {
  answer(message).then(
    (value) => process.send!({ ask: message.ask, value }),
    (error: unknown) => process.send!({ ask: message.ask, error: String(error) }),
  );
});
