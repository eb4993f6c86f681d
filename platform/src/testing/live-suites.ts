import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * The skips CI accepts, each named with the reason. Everything else that skips in a CI run (a live
 * suite whose server did not start, a `.skip` left behind) fails the run.
 */
export const ALLOWED_SKIPS = [
  {
    engine: 'KurrentDB',
    variable: 'ESDB_URL',
    /** The suites of the KurrentDB event store: their top-level describe names it. */
    matches: (name: string) => /\bkurrentdb\b/i.test(name),
    why: 'a .NET server that none of the registries this machine reaches ships; its suites run when ESDB_URL names one',
  },
] as const;

export type SkippedTest = { file: string; name: string };

export type SkipVerdict = { allowed: SkippedTest[]; forbidden: SkippedTest[]; report: string[] };

/**
 * Sorts skipped tests into those CI accepts (KurrentDB, while `ESDB_URL` is unset) and those that
 * must fail the run, and words a report of both, one line per suite.
 */
export const judgeSkips = (skipped: readonly SkippedTest[], env: NodeJS.ProcessEnv): SkipVerdict => {
  const allowedBy = (test: SkippedTest) => ALLOWED_SKIPS.find((rule) => !env[rule.variable] && rule.matches(test.name));
  const allowed = skipped.filter((test) => allowedBy(test));
  const forbidden = skipped.filter((test) => !allowedBy(test));
  const suites = (tests: SkippedTest[]) => {
    const counts = new Map<string, number>();
    for (const { file, name } of tests) {
      const suite = `${file} › ${name.split(' > ')[0]}`;
      counts.set(suite, (counts.get(suite) ?? 0) + 1);
    }
    return [...counts].map(([suite, n]) => `  ${suite} (${n} test${n === 1 ? '' : 's'})`);
  };
  const report: string[] = [];
  if (allowed.length) {
    report.push(`[live suites] skipped, as allowed: ${ALLOWED_SKIPS.map((rule) => `${rule.engine} (${rule.why})`).join('; ')}:`, ...suites(allowed));
  }
  if (forbidden.length) report.push('[live suites] skipped, and nothing allows it:', ...suites(forbidden));
  return { allowed, forbidden, report };
};

/**
 * A vitest reporter: after the run it lists the skipped suites and, with `CI=true`, fails the run
 * when any skip is not in `ALLOWED_SKIPS`, so a live suite whose engine did not start (or a
 * forgotten `.skip`) cannot pass CI unnoticed. A run filtered by test name is not judged.
 */
export default class LiveSuitesReporter implements Reporter {
  private root = process.cwd();
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, _errors: unknown, reason: 'passed' | 'interrupted' | 'failed'): void {
    if (reason === 'interrupted' || this.filtered) return;
    const skipped = testModules.flatMap((module) =>
      [...module.children.allTests('skipped')].map((test) => ({ file: relative(this.root, module.moduleId), name: test.fullName })),
    );
    const { forbidden, report } = judgeSkips(skipped, process.env);
    const ci = process.env.CI === 'true';
    for (const line of report) console.log(line);
    if (ci && forbidden.length) {
      console.error(`[live suites] CI=true: ${forbidden.length} skipped test(s) above fail the run; start their servers (or name them) instead.`);
      process.exitCode = 1;
    }
  }
}
