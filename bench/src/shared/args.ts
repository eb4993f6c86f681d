import { parseArgs } from 'node:util';

type Spec = Record<string, { default: number | string | boolean; help: string }>;
type Values<S extends Spec> = { [K in keyof S]: S[K]['default'] extends number ? number : S[K]['default'] extends boolean ? boolean : string };

/** `--name value` parameters with typed defaults (`--name` / `--no-name` for a boolean); `--help` prints them. */
export const params = <S extends Spec>(script: string, spec: S, argv = process.argv.slice(2)): Values<S> => {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean' },
      ...Object.fromEntries(
        Object.entries(spec).map(([name, s]) => [name, { type: typeof s.default === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
      ),
      // Node 20's parseArgs has no negated booleans of its own.
      ...Object.fromEntries(
        Object.entries(spec)
          .filter(([, s]) => typeof s.default === 'boolean')
          .map(([name]) => [`no-${name}`, { type: 'boolean' as const }]),
      ),
    },
  });
  if (values.help) {
    console.log(`npm run ${script} -- [options]`);
    for (const [name, s] of Object.entries(spec)) console.log(`  --${name.padEnd(16)} ${s.help} (default ${String(s.default)})`);
    process.exit(0);
  }
  return Object.fromEntries(
    Object.entries(spec).map(([name, s]) => {
      const given =
        (values as Record<string, string | boolean | undefined>)[name] ?? ((values as Record<string, boolean | undefined>)[`no-${name}`] ? false : undefined);
      if (given === undefined) return [name, s.default];
      if (typeof s.default === 'number') {
        const n = Number(given);
        if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
        return [name, n];
      }
      return [name, given];
    }),
  ) as Values<S>;
};
