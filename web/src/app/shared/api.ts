/** The back ends, each reached through the web server's proxy on the same origin. */
export type Service = 'command' | 'query' | 'ops' | 'chat';

export type Problem = { type?: string; title?: string; status?: number; detail?: string; code?: string; [key: string]: unknown };

/** A failed call: `problem.detail` is what a person reads. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The fetch itself failed (offline, server gone): the request may or may not have arrived. */
export class NetworkError extends Error {}

export type CallOptions = {
  body?: unknown;
  token?: string | null;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

const SESSION_KEY = 'stayhub.session';
export type Session = { userId: string; role: 'guest' | 'host' | 'admin'; token: string; email: string };

export const loadSession = (): Session | null => {
  try {
    const text = localStorage.getItem(SESSION_KEY);
    return text ? (JSON.parse(text) as Session) : null;
  } catch {
    return null;
  }
};
export const saveSession = (session: Session | null): void => {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
};

/** Only the fields that are set, as a query string (`?a=1&b=2`, or ''). */
export const queryString = (params: Record<string, string | number | boolean | undefined | null>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/**
 * Read-your-writes: the last command's consistency token goes with every query, which then waits
 * (briefly) until the read models have applied that write.
 */
const TOKEN_KEY = 'stayhub.consistency';
const lastWrite = () => sessionStorage.getItem(TOKEN_KEY);
const remember = (body: unknown) => {
  const token = typeof body === 'object' && body !== null ? (body as { consistencyToken?: unknown }).consistencyToken : undefined;
  if (typeof token === 'string' && token) sessionStorage.setItem(TOKEN_KEY, token);
};

/**
 * How long to wait before asking again a read model that had nothing to show yet (a 503 saying
 * `stale`: the thing asked for is the reader's own write, not yet applied): the query API already
 * waited briefly, so a page shows the write a little later rather than never.
 */
export const STALE_RETRY_DELAYS_MS = [250, 500, 1000, 2000, 4000, 4000];

/**
 * The loads (by their abort signal) that got an answer saying it had not yet applied the reader's
 * own last write (`X-Read-Model-Stale`). Such an answer is shown at once, not held back: the page
 * that made it (see `useResource`) asks again in the background until the answer is current.
 */
const staleLoads = new WeakSet<AbortSignal>();
export const answeredStale = (signal: AbortSignal): boolean => staleLoads.has(signal);
export const forgetStale = (signal: AbortSignal): void => {
  staleLoads.delete(signal);
};

const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', stop, { once: true });
  });

const isNotYetThere = (response: Response, body: unknown): boolean =>
  response.status === 503 && typeof body === 'object' && body !== null && (body as { stale?: unknown }).stale === true;

const call = async <T = unknown>(service: Service, method: string, path: string, options: CallOptions = {}): Promise<T> => {
  const read = service === 'query' && method === 'GET';
  for (let attempt = 0; ; attempt++) {
    const { response, body } = await send(service, method, path, options);
    const retryIn = read && isNotYetThere(response, body) ? STALE_RETRY_DELAYS_MS[attempt] : undefined;
    if (retryIn !== undefined) {
      await pause(retryIn, options.signal);
      continue;
    }
    if (!response.ok) {
      const problem = (typeof body === 'object' && body !== null ? body : {}) as Problem;
      throw new ApiError(response.status, { status: response.status, ...problem });
    }
    if (read && options.signal && response.headers.get('x-read-model-stale') === 'true') staleLoads.add(options.signal);
    if (service === 'command') remember(body);
    return body as T;
  }
};

const send = async (service: Service, method: string, path: string, options: CallOptions): Promise<{ response: Response; body: unknown }> => {
  const token = options.token === undefined ? loadSession()?.token : options.token;
  const consistency = service === 'query' ? lastWrite() : null;
  let response: Response;
  try {
    response = await fetch(`/api/${service}${path}`, {
      method,
      headers: {
        accept: 'application/json, application/problem+json',
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        ...(consistency ? { 'x-consistency-token': consistency } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new NetworkError('The server could not be reached: check the connection');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { detail: text.slice(0, 300) };
  }
  return { response, body };
};

export const get = <T = unknown>(service: Service, path: string, options?: CallOptions) => call<T>(service, 'GET', path, options);
export const post = <T = unknown>(service: Service, path: string, body: unknown = {}, options?: CallOptions) =>
  call<T>(service, 'POST', path, { ...options, body });
export const put = <T = unknown>(service: Service, path: string, body: unknown, options?: CallOptions) => call<T>(service, 'PUT', path, { ...options, body });
export const patch = <T = unknown>(service: Service, path: string, body: unknown, options?: CallOptions) =>
  call<T>(service, 'PATCH', path, { ...options, body });
export const del = <T = unknown>(service: Service, path: string, options?: CallOptions) => call<T>(service, 'DELETE', path, options);

/** The words to show for any error: a problem's detail (and the fields zod named), else the message. */
export const describeError = (error: unknown): string => {
  if (error instanceof ApiError) {
    const issues = (error.problem.errors ?? error.problem.issues) as { path?: string | (string | number)[]; message?: string }[] | undefined;
    const named = Array.isArray(issues)
      ? issues
          .slice(0, 5)
          .map((issue) => `${Array.isArray(issue.path) ? issue.path.join('.') : (issue.path ?? '')}: ${issue.message ?? ''}`.replace(/^: /, ''))
          .join('; ')
      : '';
    const detail = error.problem.detail ?? error.problem.title ?? `HTTP ${error.status}`;
    return named && !detail.includes(named) ? `${detail} (${named})` : detail;
  }
  if (error instanceof Error) return error.message;
  return String(error);
};

export type Money = { amount: number; currency: string };
export const formatMoney = (money: Money | null | undefined): string =>
  money ? new Intl.NumberFormat('en', { style: 'currency', currency: money.currency }).format(money.amount / 100) : '—';

/** A key a retried request carries unchanged, so the server does the work once. */
export const newIdempotencyKey = (): string => crypto.randomUUID();
