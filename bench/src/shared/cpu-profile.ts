import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layersOfProfile } from './profile-layers.ts';
import { partsOfProfile } from './profile-parts.ts';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/**
 * The top self-time entries of the newest `.cpuprofile` in `dir` (written by `node --cpu-prof`):
 * function, file (shortened) and share of all samples, idle excluded from the shares; `byPart`, the
 * busy samples by the part of the platform that started the work (see `partsOfProfile`); `byLayer`,
 * by the HTTP layer of the request path running (see `layersOfProfile`).
 */
export const topOfProfile = (dir: string, top = 15) => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) return undefined;
  const profile = JSON.parse(readFileSync(join(dir, files.at(-1)!), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle++;
      continue;
    }
    const file = frame.url
      .replace(/^.*node_modules\//, '')
      .replace(
        /^.*\/(platform-kit|event-sourcing|http-kit|payments|notifications|read-models|command-api|domain|bench|projectors|query-api|chat)\/src\//,
        '$1/',
      );
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    busy++;
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  return {
    busyShare: Math.round((busy / Math.max(1, busy + idle)) * 1000) / 10,
    cpuSecondsPerSecond: Math.round((busy / Math.max(1, busy + idle)) * 100) / 100,
    profiledSeconds: Math.round(seconds),
    byPart: partsOfProfile(profile),
    byLayer: layersOfProfile(profile),
    topSelf: [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([entry, n]) => ({ entry, percent: Math.round((n / Math.max(1, busy)) * 1000) / 10 })),
  };
};

/**
 * Stops a profile a process is taking (`stop` writes it to the file it is given, as the platform's
 * `profile()` returns) into a folder of its own under the system's temporary one, and reads its top
 * entries as `topOfProfile` does.
 */
export const topOfStoppedProfile = async (stop: (file: string) => Promise<unknown>, name: string, top = 25) => {
  const dir = mkdtempSync(join(tmpdir(), `${name}-profile-`));
  await stop(join(dir, `${name}.cpuprofile`));
  return topOfProfile(dir, top);
};
