/**
 * Whether an error says the database cannot be reached (down, restarting, connection lost) rather
 * than that a statement was wrong: the first is a state to wait out (503, retry), the second a bug.
 * Recognised by shape, so the HTTP kit needs no pg import.
 */
export const isDatabaseUnavailable = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code)) return true;
    // Class 08: connection exception; 57P01-03: the server is shutting down, crashed or starting.
    if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  }
  return /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable|the database system is (starting up|shutting down|in recovery mode)/i.test(
    error.message,
  );
};

/**
 * Whether a statement named a table that does not exist (42P01): on a read side that is a read
 * model its projector has not created yet (a brand-new database, the first second of a start).
 */
export const isMissingTable = (error: unknown): boolean => error instanceof Error && (error as { code?: unknown }).code === '42P01';
