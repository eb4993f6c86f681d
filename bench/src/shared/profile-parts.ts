import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[] };

/**
 * Parts of the platform a CPU sample can belong to, by the source file of a frame (read through the
 * bundle's source map): the first that matches names it. The libraries come last: a sample is given
 * to them only when no code of ours is on its stack.
 */
const LIBRARIES = ['express and HTTP libraries', 'zod', 'pg client'];
const parts: [string, RegExp][] = [
  ['workflows', /command-api\/src\/[^/]+\/workflow\.ts|event-sourcing\/src\/workflows\/|notifications\/src\/|payments\/src\//],
  ['command processor', /event-sourcing\/src\/commands\//],
  ['event store', /event-sourcing\/src\/(postgres|event-store)\//],
  ['card tokens', /event-sourcing\/src\/secrets\//],
  ['routes and http-kit', /command-api\/src\/|http-kit\/src\/|platform-kit\/src\/(metrics|tracing)/],
  ['domain', /domain\/src\//],
  ['projections', /read-models\/src\/|projectors\/src\//],
  [
    'express and HTTP libraries',
    /node_modules\/(express|router|body-parser|helmet|express-rate-limit|cors|on-finished|on-headers|finalhandler|send|qs|raw-body|path-to-regexp|content-type|content-disposition|type-is|statuses|http-errors|iconv-lite|prom-client|jose|forwarded|proxy-addr|accepts|negotiator|mime-types|vary|depd|encodeurl|escape-html|fresh|range-parser|etag|cookie|media-typer|bytes|unpipe|destroy|ee-first|parseurl)\//,
  ],
  ['zod', /node_modules\/zod\//],
  ['pg client', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-array|postgres-date|postgres-interval|postgres-bytea)\//],
];

/**
 * Each busy sample of a profile given to the root-most part of ours on its synchronous stack (the
 * code that started the work: an async function's continuation is its own root, and a middleware
 * express calls is the middleware's); with none of ours on the stack, to the root-most library
 * (express's own routing, pg's parsing of rows); else garbage collection, `writev` (socket
 * writes), Node's own (`node:` internals, HTTP parsing, microtasks). Shares of busy samples, in percent.
 */
export const partsOfProfile = (profile: Profile): Record<string, number> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const maps = new Map<string, SourceMap | undefined>();
  const sourceMapOf = (url: string): SourceMap | undefined => {
    if (!maps.has(url)) {
      const file = `${fileURLToPath(url)}.map`;
      maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
    }
    return maps.get(url);
  };
  const partOfNode = new Map<number, string | undefined>();
  const partOf = (node: Node): string | undefined => {
    if (partOfNode.has(node.id)) return partOfNode.get(node.id);
    const { url, lineNumber, columnNumber } = node.callFrame;
    let source = url;
    if (url.startsWith('file:') && url.endsWith('.js')) {
      const entry = sourceMapOf(url)?.findEntry(lineNumber, columnNumber);
      source = entry && 'originalSource' in entry ? entry.originalSource : url;
    }
    const found = parts.find(([, pattern]) => pattern.test(source))?.[0];
    partOfNode.set(node.id, found);
    return found;
  };
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)') continue;
    busy++;
    let root: string | undefined;
    let library: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const found = partOf(byId.get(at)!);
      if (found && LIBRARIES.includes(found)) library = found;
      else if (found) root = found;
    }
    root ??= library;
    const part =
      root ??
      (name === '(garbage collector)'
        ? 'garbage collection'
        : name === 'writev'
          ? 'socket writes (writev)'
          : node.callFrame.url.startsWith('node:') || !node.callFrame.url
            ? 'Node (HTTP parsing, streams, microtasks)'
            : 'other');
    counts.set(part, (counts.get(part) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([part, n]) => [part, Math.round((n / Math.max(1, busy)) * 1000) / 10]));
};
