import cliProgress from 'cli-progress';

export type Progress = {
  /** `done` events of `total` (the total grows when the head moves on). */
  update(done: number, total: number): void;
  stop(): void;
};

const seconds = (s: number) => (Number.isFinite(s) ? (s >= 120 ? `${Math.round(s / 60)}m` : `${Math.round(s)}s`) : '?');

/** A bar with events done, events/s and time left on a terminal. */
export const barProgress = (label: string, stream: NodeJS.WriteStream = process.stdout): Progress => {
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} events | {rate} events/s | ETA {eta_formatted}`, stream, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(0, 0, { rate: 0 });
  return {
    update(done, total) {
      bar.setTotal(Math.max(total, done));
      bar.update(done, { rate: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
    },
    stop: () => bar.stop(),
  };
};

/** Plain lines every `everyEvents` events or `everyMs`, for logs and pipes. */
export const lineProgress = (label: string, print: (line: string) => void, options: { everyEvents?: number; everyMs?: number } = {}): Progress => {
  const { everyEvents = 50_000, everyMs = 5_000 } = options;
  const started = Date.now();
  let lastAt = started;
  let lastDone = 0;
  let latest = { done: 0, total: 0 };
  const line = () => {
    const { done, total } = latest;
    const elapsed = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = done / elapsed;
    const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
    print(`${label}: ${done}/${total} events (${percent}%), ${Math.round(rate)} events/s, ETA ${seconds((total - done) / rate)}`);
    lastAt = Date.now();
    lastDone = done;
  };
  return {
    update(done, total) {
      latest = { done, total: Math.max(total, done) };
      if (done - lastDone >= everyEvents || Date.now() - lastAt >= everyMs) line();
    },
    stop() {
      if (latest.done !== lastDone || latest.done === 0) line();
    },
  };
};

export const silentProgress: Progress = { update: () => undefined, stop: () => undefined };
