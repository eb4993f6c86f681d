import type { AppName } from '../build/apps.ts';

/**
 * The apps the launcher starts in a session of their own (`setsid()`, Node's `detached`). Where the
 * kernel shares CPU time out by session first (autogroups, `/proc/sys/kernel/sched_autogroup_enabled`),
 * a session is one scheduling group: the apps in the launcher's session share one group's turn
 * between them, while each PostgreSQL backend is a group of its own. The projectors (the read
 * side's writer: short batches, little CPU) get a group of their own, so a batch waits for a core
 * beside the command API, not behind it; so does the query API, whose reads then wait for a core
 * beside the command API's work rather than inside its group's turn. Each in a group of its own,
 * booking and search rank alike (booking never behind search), as they did sharing one. Bench
 * figures: `bench/README.md`, 2 Dec 2026 "the projectors in a scheduling group of their own" and
 * "the query API in a scheduling group of its own".
 */
const inOwnSession: ReadonlySet<AppName> = new Set(['projectors', 'query-api']);

/** Whether the launcher starts `app` in a session (a scheduling group) of its own. */
export const runsInOwnSession = (app: AppName): boolean => inOwnSession.has(app);
