/** A runner's log line: a warning unless it says `debug` (a batch applied). */
export type RunnerLog = (message: string, context?: Record<string, unknown>, level?: 'warn' | 'debug') => void;
