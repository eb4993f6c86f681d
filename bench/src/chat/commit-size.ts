/**
 * The chat database's CPU a message by commit size: chat messages (one event each, on 500
 * conversation streams) appended through the chat's event store in commits of 1, 7, 20 and 50
 * messages, one commit at a time, sizes in turns round by round; the server's CPU (all its
 * processes, from `/proc`) and this process's CPU over the messages. CPU time, not wall time, so a
 * busy machine slows it without moving the figure much. `npm run bench:chat-commit-size -w bench`.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createPool, PostgresEventStore, type StreamAppend } from '@stayhub/event-sourcing';
import { chatServerFlags } from '@stayhub/platform';
import { projectRoot } from '@stayhub/platform-kit';
import { params } from '../shared/args.ts';
import { benchServer, freshDatabase, serverCpuReader } from '../shared/database.ts';
import { record } from '../shared/results.ts';

const p = params('bench:chat-commit-size', {
  port: { default: 54337, help: 'port of the embedded server this starts, sized as the chat’s own' },
  dataDir: { default: join(projectRoot, '.data/bench-pg-commit-size'), help: 'its data folder' },
  messages: { default: 6_000, help: 'messages per size and round' },
  rounds: { default: 3, help: 'rounds (each size once a round, in turns)' },
  sizes: { default: '1,7,20,50', help: 'messages a commit' },
});

const loadBefore = loadavg();
const server = await benchServer({ port: p.port, dataDir: p.dataDir, flags: chatServerFlags });
const db = await freshDatabase(server.adminUrl, 'commit_size');
const pool = createPool(db.url, 4);
const store = await PostgresEventStore.create(pool, { notifyEveryMs: 100 });
const serverCpu = await serverCpuReader(server.adminUrl);
const heads = new Map<string, number>();
const text = 'See you at the door at four, the code is on the booking page. Thanks!';

const appendMessages = async (size: number, count: number) => {
  for (let sent = 0; sent < count; sent += size) {
    const groups: StreamAppend[][] = [];
    const used = new Set<string>();
    for (let i = 0; groups.length < size; i++) {
      const streamId = `conversation-${Math.floor(Math.random() * 500)}`;
      if (used.has(streamId)) continue;
      used.add(streamId);
      const head = heads.get(streamId) ?? -1;
      const data = { conversationId: streamId.slice(13), messageId: randomUUID(), senderId: 'guest-1', text, attachments: [], at: new Date().toISOString() };
      groups.push([
        {
          streamId,
          events: [{ eventId: randomUUID(), type: 'MessageSent', data, metadata: { actor: 'guest-1' } }],
          expected: head === -1 ? 'no_stream' : head,
        },
      ]);
      heads.set(streamId, head + 1);
    }
    const settled = await store.appendBatch(groups);
    if (settled.some((s) => s.status === 'rejected')) throw new Error('an append was refused');
  }
};

const sizes = p.sizes.split(',').map(Number);
await appendMessages(20, 2_000); // warm-up: the streams exist, the statement is planned
const rounds: Record<string, { serverMs: number; clientMs: number }[]> = {};
for (let round = 0; round < p.rounds; round++) {
  for (const size of round % 2 ? [...sizes].reverse() : sizes) {
    const [s0, c0] = [serverCpu()!, process.cpuUsage()];
    await appendMessages(size, p.messages);
    const [s1, c1] = [serverCpu()!, process.cpuUsage(c0)];
    const perMessage = { serverMs: ((s1 - s0) * 1000) / p.messages, clientMs: (c1.user + c1.system) / 1000 / p.messages };
    rounds[size] = [...(rounds[size] ?? []), perMessage];
    console.log(
      `round ${round + 1}, ${size} a commit: server ${perMessage.serverMs.toFixed(3)} ms, this process ${perMessage.clientMs.toFixed(3)} ms a message`,
    );
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const figures = Object.fromEntries(
  Object.entries(rounds).map(([size, list]) => [
    size,
    { serverMsPerMessage: +median(list.map((r) => r.serverMs)).toFixed(3), clientMsPerMessage: +median(list.map((r) => r.clientMs)).toFixed(3), rounds: list },
  ]),
);
console.log(JSON.stringify(figures, null, 1));
record('chat-commit-size', p, figures, ['CPU ms a chat message (one event) by messages a commit, the median of the rounds'], loadBefore);
await store.close();
await pool.end();
await db.drop();
await server.stop();
