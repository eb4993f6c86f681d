import { rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { appEntries, entryFile } from './apps.ts';

/**
 * Our own code (the workspace packages, TypeScript) goes into the bundle; a package installed in
 * the root `node_modules` stays an import that Node resolves at run time, so the image installs
 * the same production dependencies the lockfile names. A package only a workspace has in its own
 * `node_modules` (a version that differs from the root's) is bundled, since the bundle does not
 * live beside that workspace.
 */
const rootPackagesExternal = (root: string): Plugin => ({
  name: 'root-packages-external',
  setup(builder) {
    const rootModules = join(root, 'node_modules') + sep;
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'resolving' || args.path.startsWith('node:')) return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return resolved.path.startsWith(rootModules) ? { path: args.path, external: true } : resolved;
    });
  },
});

/**
 * Each app's `outDir/<name>.js` is a small first module: it starts tracing (when configured), then
 * imports the app's bundle `outDir/main/<name>.js`. An instrumentation patches a package when it
 * is loaded, and a bundle's static imports are all loaded before any of its code runs, so the app
 * and its packages must load after tracing started, from a module of their own.
 */
const tracingFirst = (root: string): Plugin => ({
  name: 'tracing-first',
  setup(builder) {
    builder.onResolve({ filter: /^first:/ }, (args) => ({ path: args.path.slice('first:'.length), namespace: 'first' }));
    builder.onResolve({ filter: /^\.\/main\//, namespace: 'first' }, (args) => ({ path: args.path, external: true }));
    builder.onLoad({ filter: /.*/, namespace: 'first' }, (args) => ({
      contents: [
        `import { startTracingFromEnvironment } from ${JSON.stringify(join(root, 'platform-kit/src/tracing/bootstrap.ts'))};`,
        `await startTracingFromEnvironment(${JSON.stringify(args.path)});`,
        `await import(${JSON.stringify(`./main/${args.path}.js`)});`,
      ].join('\n'),
      loader: 'ts',
      resolveDir: root,
    }));
  },
});

/** Bundles each entry (by default every app) into `outDir/<name>.js` (ES modules for Node 20+), with source maps. */
export const buildApps = async (
  root: string,
  outDir = join(root, 'dist'),
  entries: Readonly<Record<string, string>> = appEntries,
): Promise<{ outDir: string; files: string[] }> => {
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(
      Object.entries(entries).flatMap(([name, entry]) => [
        [name, `first:${name}`],
        [`main/${name}`, entryFile(root, entry)],
      ]),
    ),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    metafile: true,
    plugins: [tracingFirst(root), rootPackagesExternal(root)],
  });
  return { outDir, files: Object.keys(result.metafile.outputs).map((file) => relative(root, join(root, file))) };
};
