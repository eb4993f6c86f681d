import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@stayhub/event-sourcing';
import { catchUp } from './catch-up.ts';
import type { ReplayDeps } from './run.ts';
import type { Comparison, RebuildTarget } from './target.ts';

/**
 * Compares a rebuilt target with the live one at the same position: holds the live checkpoint
 * (the live projector pauses for the comparison) and brings the rebuilt target exactly to it.
 */
export const verify = async (deps: ReplayDeps, target: RebuildTarget, batchSize: number, waitMs: number): Promise<Comparison> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const live = await liveTargetOf(deps.pool, target.projection);
    const result = await inTransaction(deps.pool, async (tx) => {
      const { rows } = await tx.query<{ position: string }>('SELECT position FROM projection_checkpoints WHERE name = $1 FOR SHARE', [live]);
      const liveAt = rows[0]?.position ?? '';
      const rebuiltAt = await target.checkpoint();
      if (rebuiltAt > liveAt && Date.now() < deadline) return undefined; // the live projection is behind: let it move on
      if (rebuiltAt < liveAt) await catchUp(deps, [target], { batchSize, until: liveAt });
      return target.compare(live, 20);
    });
    if (result) return result;
    await sleep(100);
  }
};

const liveTargetOf = async (db: Pool | PoolClient, projection: string): Promise<string> => {
  const { rows } = await db.query<{ target: string }>('SELECT target FROM projection_targets WHERE projection = $1', [projection]);
  return rows[0]?.target ?? projection;
};

export const printComparison = (print: (line: string) => void, target: RebuildTarget, c: Comparison) => {
  const differences = c.tables.reduce((n, t) => n + t.differences, 0);
  const at = c.rebuiltAt === c.liveAt ? `both at ${c.liveAt || 'the beginning'}` : `rebuilt at ${c.rebuiltAt}, live at ${c.liveAt} (live is behind)`;
  print(`verify ${target.projection}: ${differences === 0 ? 'identical' : `${differences} rows differ`} (${at})`);
  for (const t of c.tables) print(`  ${t.table}: ${t.rebuiltRows} rebuilt rows, ${t.liveRows} live rows, ${t.differences} differ`);
  for (const s of c.samples) {
    print(`  ${s.table} ${JSON.stringify(s.key)}:\n    rebuilt ${JSON.stringify(s.rebuilt)}\n    live    ${JSON.stringify(s.live)}`);
  }
};
