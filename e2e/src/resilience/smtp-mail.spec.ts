import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '@stayhub/event-sourcing';
import { ResilientNotifier, SmtpMailer } from '@stayhub/notifications';
import { TestSmtpServer } from '@stayhub/notifications/testing';
import { startStack, type Stack } from '../harness.ts';
import { register } from '../fixtures.ts';
import { mailTasks, runDueTasksSettled } from './settle.ts';

let smtp: TestSmtpServer;
let mailer: SmtpMailer;
let stack: Stack;
beforeAll(async () => {
  smtp = await new TestSmtpServer().start();
  mailer = new SmtpMailer({ url: smtp.url, from: 'StayHub <no-reply@stayhub.test>', timeoutMs: 2_000 });
  stack = await startStack({ notifier: new ResilientNotifier(mailer, { breakAfter: 1, halfOpenAfterMs: 100 }), workflows: 'manual' });
});
afterAll(async () => {
  await stack?.stop();
  mailer?.close();
  await smtp?.stop();
});

describe('real mail over SMTP, through the notification workflow', () => {
  it('a mail server down keeps the welcome mail as a task; it goes out once the server is back, once', async () => {
    await smtp.stop();
    const done = (await mailTasks(stack)).done;
    const user = await register(stack, 'guest', 'Wendy');
    const address = user.email.toLowerCase();
    await runDueTasksSettled(stack);
    expect(smtp.received).toEqual([]);
    expect((await mailTasks(stack)).pending).toBe(1);

    await smtp.start();
    for (let round = 0; round < 4 && smtp.to(address).length === 0; round++) {
      stack.clock.advance(2 * MINUTE);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await runDueTasksSettled(stack);
    }
    const [welcome, ...more] = smtp.to(address);
    expect(more).toEqual([]);
    expect(welcome!.raw).toMatch(/^Subject: Welcome to StayHub$/m);
    expect(welcome!.raw).toContain('Hello Wendy,');
    expect(await mailTasks(stack)).toEqual({ pending: 0, parked: 0, done: done + 1 });
  });
});
