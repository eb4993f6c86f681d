import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@stayhub/event-sourcing';
import { checkpointSchema, readCheckpoint } from '@stayhub/read-models';
import { projectionStatus, type ProjectionStatus } from '../runner/pg-runner.ts';
import { rebuildSchema } from './schema.ts';
import type { EventSource, RebuildOptions, RebuildOutcome, RebuildTargetState, ReplayDeps } from './run.ts';
import type { RebuildTarget } from './target.ts';
import { catchUp } from './catch-up.ts';
import { printComparison, verify } from './verify.ts';

export type { EventSource, RebuildOptions, RebuildOutcome, ReplayDeps } from './run.ts';

/** Events per page a replay reads and folds at once. */
export const REPLAY_BATCH = 10_000;

type OpenRebuild = { projection: string; target: string; from_position: string; status: string };

export const tableExists = async (db: Pool | PoolClient, table: string): Promise<boolean> => {
  const { rows } = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [table]);
  return rows[0]?.ok ?? false;
};

const openRebuilds = async (db: Pool | PoolClient, names: readonly string[]): Promise<OpenRebuild[]> => {
  if (!(await tableExists(db, 'projection_rebuilds'))) return [];
  const { rows } = await db.query<OpenRebuild>(
    `SELECT projection, target, from_position, status FROM projection_rebuilds WHERE projection = ANY($1) AND status IN ('building', 'built')`,
    [names],
  );
  return rows;
};

/** The next free `<name>_r<n>`, counting every target ever used or started. */
const nextTarget = async (db: Pool | PoolClient, name: string): Promise<string> => {
  const used: string[] = [];
  for (const [table, column] of [
    ['projection_rebuilds', 'target'],
    ['projection_targets', 'target'],
    ['projection_checkpoints', 'name'],
  ] as const) {
    if (!(await tableExists(db, table))) continue;
    const { rows } = await db.query<{ name: string }>(`SELECT ${column} AS name FROM ${table} WHERE starts_with(${column}, $1)`, [`${name}_r`]);
    used.push(...rows.map((r) => r.name));
  }
  const numbers = used
    .map((t) => new RegExp(`^${name}_r(\\d+)$`).exec(t)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  return `${name}_r${Math.max(0, ...numbers) + 1}`;
};

/** Projections with their live target, position, lag and parked count, and any rebuild under way. */
export const listProjections = async (pool: Pool, names: readonly string[], events?: EventSource): Promise<(ProjectionStatus & { rebuilding?: string })[]> => {
  if (!(await tableExists(pool, 'projection_targets'))) return [];
  const [statuses, open] = await Promise.all([projectionStatus(pool, names), openRebuilds(pool, names)]);
  return Promise.all(
    statuses.map(async (s) => {
      const rebuild = open.find((r) => r.projection === s.name);
      // The event source decodes positions itself; projectionStatus's lag misreads zero-padded ones.
      const lag = events?.countAfter ? await events.countAfter(s.position) : s.lag;
      return { ...s, lag, ...(rebuild ? { rebuilding: `${rebuild.target} (${rebuild.status})` } : {}) };
    }),
  );
};

/**
 * Rebuilds projections from the event store into fresh targets beside the live ones, in one pass
 * over the events; resumes an unfinished rebuild; optionally verifies against the live targets and
 * swaps the rebuilt ones in (one transaction), dropping the old ones after a grace period.
 */
export const rebuild = async (deps: ReplayDeps, options: RebuildOptions): Promise<RebuildOutcome> => {
  const names = [...new Set(options.names)];
  for (const name of names) deps.adapter.open(name, name); // throws for an unknown name
  const batchSize = options.batchSize ?? REPLAY_BATCH;
  const started = Date.now();
  const outcome: RebuildOutcome = { status: 'planned', targets: [], events: 0, seconds: 0, comparisons: {}, replaced: {} };

  if (options.dryRun) {
    const open = await openRebuilds(deps.pool, names);
    for (const name of names) {
      const unfinished = open.find((r) => r.projection === name);
      const resumed = options.restart ? undefined : unfinished;
      const target = resumed?.target ?? (await nextTarget(deps.pool, name));
      const position = resumed ? await checkpointOf(deps.pool, target) : (options.from ?? '');
      outcome.targets.push({ projection: name, target, position, resumed: Boolean(resumed) });
      const events = deps.events.countAfter ? await deps.events.countAfter(position) : undefined;
      deps.print(
        `[dry-run] ${name}: ${resumed ? 'would resume' : 'would build'} ${target} from ${position || 'the beginning'}` +
          `${events === undefined ? '' : `, reading ${events} events`}` +
          `${options.verify ? ', compare it with the live target' : ''}${options.swap ? ', swap it in and drop the old target' : ''}`,
      );
      if (unfinished && options.restart) deps.print(`[dry-run] ${name}: would drop the unfinished ${unfinished.target}`);
    }
    return outcome;
  }

  await inTransaction(deps.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727003)'); // the projectors' migration lock: CREATE IF NOT EXISTS races otherwise
    await tx.query(checkpointSchema + rebuildSchema);
  });
  const locks = await lockProjections(deps.pool, names);
  try {
    const targets: RebuildTarget[] = [];
    for (const name of names) {
      const { target, state } = await openOrStart(deps, name, options);
      targets.push(target);
      outcome.targets.push(state);
      deps.print(
        state.resumed
          ? `${name}: resuming ${state.target} at ${state.position || 'the beginning'}${options.from !== undefined ? ' (--from ignored: rerun with --restart to start over)' : ''}`
          : `${name}: building ${state.target} from ${state.position || 'the beginning'}`,
      );
    }

    const label = names.join(',');
    const progress = deps.progress(label);
    const interrupted = await catchUp(deps, targets, { batchSize, ...(options.signal ? { signal: options.signal } : {}), progress, outcome });
    progress.stop();
    for (const [i, target] of targets.entries()) outcome.targets[i]!.position = await target.checkpoint();
    outcome.seconds = (Date.now() - started) / 1000;
    if (interrupted) {
      outcome.status = 'interrupted';
      deps.print(`stopped after ${outcome.events} events; progress is committed. Rerun the same command to resume.`);
      return outcome;
    }
    // Each target's staged sums and index builds are statements of their own: the server runs them side by side.
    await Promise.all(targets.map((target) => target.finish?.()));
    await deps.pool.query(`UPDATE projection_rebuilds SET status = 'built', finished_at = now() WHERE target = ANY($1) AND status = 'building'`, [
      targets.map((t) => t.target),
    ]);
    outcome.status = 'built';
    deps.print(
      `caught up: ${outcome.events} events in ${outcome.seconds.toFixed(1)} s (${Math.round(outcome.events / Math.max(outcome.seconds, 0.001))} events/s)`,
    );

    if (options.verify) {
      for (const target of targets) {
        const comparison = await verify(deps, target, batchSize, options.verifyWaitMs ?? 10_000);
        outcome.comparisons[target.projection] = comparison;
        printComparison(deps.print, target, comparison);
      }
    }
    if (options.swap && !options.signal?.aborted) {
      await swapIn(deps, targets, batchSize, options.dropAfterMs ?? 2_000, outcome);
      outcome.status = 'swapped';
    }
    outcome.seconds = (Date.now() - started) / 1000;
    return outcome;
  } finally {
    await locks.release();
  }
};

const checkpointOf = async (pool: Pool, target: string): Promise<string> => {
  if (!(await tableExists(pool, 'projection_checkpoints'))) return '';
  return readCheckpoint(pool, target);
};

/** One rebuild per projection at a time, across processes: a session lock held for the whole run. */
const lockProjections = async (pool: Pool, names: readonly string[]) => {
  const client = await pool.connect();
  const taken: string[] = [];
  const release = async () => {
    for (const name of taken) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`replay:${name}`]).catch(() => undefined);
    client.release();
  };
  for (const name of names) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`replay:${name}`]);
    if (!rows[0]?.ok) {
      await release();
      throw new Error(`Another rebuild of ${name} is running`);
    }
    taken.push(name);
  }
  return { release };
};

const openOrStart = async (deps: ReplayDeps, name: string, options: RebuildOptions): Promise<{ target: RebuildTarget; state: RebuildTargetState }> => {
  const [open] = await openRebuilds(deps.pool, [name]);
  if (open && options.restart) {
    await deps.adapter.open(name, open.target).drop(open.target);
    await deps.pool.query(`UPDATE projection_rebuilds SET status = 'abandoned' WHERE target = $1`, [open.target]);
    deps.print(`${name}: dropped the unfinished ${open.target}`);
  }
  if (open && !options.restart) {
    const target = deps.adapter.open(name, open.target);
    await target.create(open.from_position);
    return { target, state: { projection: name, target: open.target, position: await target.checkpoint(), resumed: true } };
  }
  const from = options.from ?? '';
  const targetName = await inTransaction(deps.pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(727005)');
    const next = await nextTarget(tx, name);
    await tx.query('INSERT INTO projection_rebuilds (target, projection, from_position) VALUES ($1, $2, $3)', [next, name, from]);
    return next;
  });
  const target = deps.adapter.open(name, targetName);
  await target.create(from);
  return { target, state: { projection: name, target: targetName, position: from, resumed: false } };
};

const swapIn = async (deps: ReplayDeps, targets: readonly RebuildTarget[], batchSize: number, dropAfterMs: number, outcome: RebuildOutcome) => {
  // Right before the swap, so that the live projector has little to do on the new target.
  await catchUp(deps, targets, { batchSize });
  const replaced = await inTransaction(deps.pool, async (tx) => {
    const previous: Record<string, string> = {};
    for (const target of targets) previous[target.projection] = await target.swap(tx);
    await tx.query(`UPDATE projection_rebuilds SET status = 'swapped', swapped_at = now() WHERE target = ANY($1)`, [targets.map((t) => t.target)]);
    return previous;
  });
  outcome.replaced = replaced;
  for (const target of targets) deps.print(`${target.projection}: readers now use ${target.target} (was ${replaced[target.projection]})`);
  await sleep(dropAfterMs);
  for (const target of targets) {
    const old = replaced[target.projection]!;
    if (old === target.target) continue;
    await target.drop(old);
    await deps.pool.query(`UPDATE projection_rebuilds SET status = 'dropped' WHERE target = $1`, [old]);
    deps.print(`${target.projection}: dropped ${old}`);
  }
};
