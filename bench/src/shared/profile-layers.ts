import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[] };
type Frame = { source: string; functionName: string };

/** The HTTP layers of a request, by the frame a sample is given to (see `layersOfProfile`); the first that matches names it. */
const layers: [string, RegExp][] = [
  ['rate limits', /rate-limit/],
  ['body parsing', /body-parser|raw-body|json-body|iconv-lite/],
  ['answer (res.json, Node end, socket write)', /^answer /],
  ['input checks and the handler until its first await', /^layer http-kit\/src\/route\.ts/],
  ['express routing', /^routing |^library express\//],
  [
    'other middleware (headers, CORS, request log, metrics, depth check, auth, idempotency)',
    /^layer (http-kit\/src\/(app|request-log|auth|idempotency)|platform-kit\/src\/metrics|node_modules\/(cors|helmet))|^async (http-kit\/src\/(auth|request-log|app)|platform-kit\/src\/metrics)|^library (jose|cors|on-finished|prom-client)\//,
  ],
];

/**
 * Each busy sample of the command process's profile given to the HTTP layer running on its stack: the
 * leaf-most function that express's router (or http-kit's `inSequence`) called, unless the router's
 * own frames come first (routing); an async continuation without such a frame to the root-most
 * function of ours on it (a route's answer after its handler resolved: `answer`), else to the
 * root-most library. Shares of busy samples, in percent; what is not HTTP is `not HTTP`.
 */
export const layersOfProfile = (profile: Profile, sourceOf: (node: Node) => Frame = sourceMapped()): Record<string, number> => {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = new Map<number, Frame>();
  const frameOf = (id: number) => {
    if (!frames.has(id)) frames.set(id, sourceOf(byId.get(id)!));
    return frames.get(id)!;
  };
  const inRouter = (f: Frame) => f.source.includes('node_modules/router/');
  const callsLayers = (f: Frame) =>
    f.source.includes('node_modules/router/lib/layer.js') || (f.source.endsWith('http-kit/src/route.ts') && f.functionName === 'step');
  const ours = (f: Frame) => /(^|\/)(http-kit|command-api|platform-kit|event-sourcing|domain)\/src\//.test(f.source);
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    busy++;
    let key: string | undefined;
    let rootOurs: Frame | undefined;
    let rootLibrary: Frame | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = frameOf(at);
      const above = parent.get(at);
      if (!key && above !== undefined && callsLayers(frameOf(above)) && !inRouter(frame)) key = `layer ${frame.source}`;
      if (!key && inRouter(frame)) key = 'routing ';
      if (ours(frame)) rootOurs = frame;
      else if (frame.source.includes('node_modules/')) rootLibrary = frame;
    }
    key ??=
      rootOurs?.source.endsWith('http-kit/src/route.ts') && rootOurs.functionName !== 'step'
        ? 'answer '
        : rootOurs
          ? `async ${rootOurs.source}`
          : rootLibrary
            ? `library ${rootLibrary.source.replace(/^.*node_modules\//, '')}`
            : 'node';
    const layer = layers.find(([, pattern]) => pattern.test(key))?.[0] ?? 'not HTTP';
    counts.set(layer, (counts.get(layer) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([layer, n]) => [layer, Math.round((n / Math.max(1, busy)) * 1000) / 10]));
};

/** A frame's source file through the bundle's source map (`<file>.js.map` beside it), from its package's folder (`http-kit/src/…`, `node_modules/…`). */
const sourceMapped = () => {
  const maps = new Map<string, SourceMap | undefined>();
  return (node: Node): Frame => {
    const { url, lineNumber, columnNumber, functionName } = node.callFrame;
    let source = url;
    if (url.startsWith('file:') && url.endsWith('.js')) {
      if (!maps.has(url)) {
        const file = `${fileURLToPath(url)}.map`;
        maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined);
      }
      const entry = maps.get(url)?.findEntry(lineNumber, columnNumber);
      if (entry && 'originalSource' in entry) source = entry.originalSource;
    }
    return { source: source.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^(?!node_modules\/).*?([a-z-]+\/src\/)/, '$1'), functionName };
  };
};
