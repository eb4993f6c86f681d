import type { SecuritySettings } from '@stayhub/platform-kit';
import type { Stack } from '../harness.ts';

const ADMIN_EMAIL = 'ops@fuzz.test';
const PASSWORD = 'correct horse battery';
const unlimited = 1_000_000;

/** A fuzzer's identities: an operator (who passes every role check) and a guest and a host of their own. */
export const fuzzIdentities = {
  /** Limits out of the way: a fuzzer is one address sending thousands of requests on purpose. */
  settings: {
    ADMIN_EMAILS: ADMIN_EMAIL,
    RATE_LIMIT_AUTH_PER_IP: unlimited,
    RATE_LIMIT_BOOKINGS_PER_IP: unlimited,
    RATE_LIMIT_BOOKINGS_PER_USER: unlimited,
    LOGIN_MAX_FAILURES: unlimited,
  } satisfies Partial<SecuritySettings>,
  async tokens(stack: Stack): Promise<Record<'admin' | 'guest' | 'host', string>> {
    const as = async (email: string, role: 'guest' | 'host') => {
      await stack.command.post('/auth/register', { email, password: PASSWORD, name: email.split('@')[0], role });
      const login = await stack.command.post('/auth/login', { email, password: PASSWORD });
      if (login.status !== 200) throw new Error(`cannot log in ${email}: ${JSON.stringify(login.body)}`);
      return login.body.token as string;
    };
    return { admin: await as(ADMIN_EMAIL, 'guest'), guest: await as('guest@fuzz.test', 'guest'), host: await as('host@fuzz.test', 'host') };
  },
};
