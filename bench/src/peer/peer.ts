import { fork, type ChildProcess } from 'node:child_process';
import { benchProcess } from '../shared/built.ts';
import { memoryOf, type Memory } from '../shared/platform.ts';

export type Peer = { url: string; pid: number; memory: () => Memory; stop: () => Promise<void> };

/** Starts the peer stack's process (`server.ts`) on its own database and waits until it listens. */
export const startPeer = async (databaseUrl: string): Promise<Peer> => {
  const { file, execArgv } = await benchProcess('peer');
  const child: ChildProcess = fork(file, [], {
    execArgv,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { url: string }));
    child.once('exit', (code) => reject(new Error(`the peer process exited (${code}) before it was ready`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    pid: child.pid!,
    memory: () => memoryOf(child.pid!),
    async stop() {
      child.send({ stop: true });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
};
