import type { AppName } from '../build/apps.ts';

/**
 * The apps the launcher starts in a session of their own (`setsid()`, Node's `detached`). Where the
 * kernel shares CPU time out by session first (autogroups, `/proc/sys/kernel/sched_autogroup_enabled`),
 * a session is one scheduling group: the apps in the launcher's session share one group's turn
 * between them, while each PostgreSQL backend is a group of its own. The projectors (the read
 * side's writer: short batches, little CPU) get a group of their own, so a batch waits for a core
 * beside the command API, not behind it; the command API and the query API stay in the launcher's
 * group, at one rank (booking never behind search). Bench figures: `bench/README.md`, 2 Dec 2026
 * "the projectors in a scheduling group of their own".
 */
const inOwnSession: ReadonlySet<AppName> = new Set(['projectors']);

/** Whether the launcher starts `app` in a session (a scheduling group) of its own. */
export const runsInOwnSession = (app: AppName): boolean => inOwnSession.has(app);
