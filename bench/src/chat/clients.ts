import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

type Frame = {
  type: string;
  ref?: string;
  seq?: number;
  status?: number;
  event?: { conversationId: string; seq: number; type: string; data: { text?: string; senderId?: string; clientMessageId?: string } };
};

/**
 * One chat party's socket for the benchmark: follows one conversation, keeps the sequences it
 * received (to check order, gaps and duplicates), and timestamps every delivery.
 */
export class BenchClient {
  ws!: WebSocket;
  lastSeq = -1;
  received = 0;
  duplicates = 0;
  gaps = 0;
  acks = 0;
  errors: Record<string, number> = {};
  private refs = 0;
  private readonly pending = new Map<string, (frame: Frame) => void>();
  private readonly waiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    readonly url: string,
    readonly token: string,
    readonly userId: string,
    readonly conversationId: string,
    private readonly onDelivery: (client: BenchClient, sentAt: number, senderId: string) => void,
  ) {}

  async connect(): Promise<void> {
    this.ws = new WebSocket(this.url, { headers: { authorization: `Bearer ${this.token}` }, perMessageDeflate: false });
    this.ws.on('message', (data) => this.frame(JSON.parse(data.toString()) as Frame));
    this.ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    await this.request({ type: 'subscribe', conversationId: this.conversationId, after: this.lastSeq });
  }

  request(frame: Record<string, unknown>): Promise<Frame> {
    const ref = String(++this.refs);
    return new Promise((resolve) => {
      this.pending.set(ref, resolve);
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  send(text: string, clientMessageId: string): Promise<Frame> {
    return this.request({ type: 'send', conversationId: this.conversationId, clientMessageId, text });
  }

  /** Resolves once every event up to `seq` has arrived. */
  caughtUp(seq: number): Promise<void> {
    if (this.lastSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  drop(): void {
    this.ws.terminate();
  }

  private frame(frame: Frame): void {
    if (frame.type === 'event' && frame.event) {
      const { seq, type, data } = frame.event;
      if (seq <= this.lastSeq) this.duplicates++;
      else {
        if (seq !== this.lastSeq + 1) this.gaps++;
        this.lastSeq = seq;
        this.received++;
        // The load generator stamps the send time into the client message id (the text may be masked).
        const sentAt = type === 'MessageSent' ? Number(data.clientMessageId?.split('@')[1]) : NaN;
        if (Number.isFinite(sentAt)) this.onDelivery(this, sentAt, data.senderId ?? '');
      }
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.lastSeq >= this.waiters[i]!.seq) {
          this.waiters[i]!.resolve();
          this.waiters.splice(i, 1);
        }
      }
      return;
    }
    if (frame.type === 'ack') this.acks++;
    if (frame.type === 'error') this.errors[String(frame.status)] = (this.errors[String(frame.status)] ?? 0) + 1;
    if (frame.ref) {
      const resolve = this.pending.get(frame.ref);
      this.pending.delete(frame.ref);
      resolve?.(frame);
    }
  }
}

export const now = () => performance.now();
