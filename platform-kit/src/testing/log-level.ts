import type { Config } from '../config/config.ts';

/** The level of the apps a test composes in process: quiet (warnings) unless the run's LOG_LEVEL says otherwise. */
export const testLogLevel = (process.env.LOG_LEVEL ?? 'warn') as Config['LOG_LEVEL'];
