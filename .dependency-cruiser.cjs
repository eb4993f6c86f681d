/**
 * The package rules, checked by `npm test` (see the README's "Code layout" section):
 * the domain is pure, no import runs back up a layer, apps never import each other,
 * production code never imports test support, every package imports only what it declares, no cycles.
 */
const APPS = ['command-api', 'query-api', 'projectors', 'chat', 'payment-gateway', 'web'];
const apps = `^(${APPS.join('|')})/`;
/** The kits below the read models and the apps, lowest first: each imports only the ones before it. */
const KITS = ['platform-kit', 'event-sourcing', 'http-kit', 'payments', 'notifications'];
const PRODUCTION = ['domain', ...KITS, 'read-models', ...APPS, 'platform'];
const TEST = '([.]spec[.]tsx?$|/testing/|/test/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle makes the modules in it one module in disguise.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain imports only itself and zod: no I/O, no clock, no other layer.',
      from: { path: '^domain/src', pathNot: TEST },
      to: { pathNot: ['^domain/src', 'node_modules/zod/'] },
    },
    {
      name: 'kits-below-read-models-and-apps',
      severity: 'error',
      comment: 'The kits know nothing of the read models, the apps built on them, or the launcher.',
      from: { path: `^(${KITS.join('|')})/` },
      to: { path: ['^read-models/', apps, '^platform/', '^e2e/', '^bench/'] },
    },
    {
      name: 'platform-kit-at-the-bottom',
      severity: 'error',
      comment: 'Configuration, logging, metrics and tracing set-up: every other package may use them, they use none.',
      from: { path: '^platform-kit/' },
      to: { path: '^(event-sourcing|http-kit|payments|notifications)/' },
    },
    {
      name: 'event-sourcing-below-http',
      severity: 'error',
      comment: 'The event-sourcing kit serves HTTP, payments and mail; it imports none of them.',
      from: { path: '^event-sourcing/', pathNot: TEST },
      to: { path: '^(http-kit|payments|notifications)/' },
    },
    {
      name: 'payments-and-notifications-apart',
      severity: 'error',
      comment: 'The payment and mail ports are independent of each other and of the HTTP kit.',
      from: { path: '^(payments|notifications)/' },
      to: { path: '^(http-kit|payments|notifications)/', pathNot: '^$1/' },
    },
    {
      name: 'platform-on-top',
      severity: 'error',
      comment: 'The build and the launcher start the apps; only the tools (benchmarks, end-to-end suites) import them.',
      from: { pathNot: '^(platform|bench|e2e)/' },
      to: { path: '^platform/' },
    },
    {
      name: 'read-models-below-apps',
      severity: 'error',
      from: { path: '^read-models/src' },
      to: { path: [apps, '^e2e/', '^bench/'] },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      comment: 'Each app is deployed on its own; what two apps share belongs to a package below them.',
      from: { path: apps },
      to: { path: apps, pathNot: '^$1/' },
    },
    {
      name: 'production-never-imports-test-support',
      severity: 'error',
      from: { path: `^(${PRODUCTION.join('|')})/src`, pathNot: TEST },
      to: { path: TEST },
    },
    {
      name: 'declared-dependencies-only',
      severity: 'error',
      comment: 'A package imports only what its own package.json declares (npm workspaces hoist, which would hide it).',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'production-not-on-dev-dependencies',
      severity: 'error',
      comment: 'A production install (--omit=dev) has what production code imports; the build tool is the exception.',
      from: { path: `^(${PRODUCTION.filter((p) => p !== 'web').join('|')})/src`, pathNot: [TEST, '^platform/src/build/'] },
      to: { dependencyTypes: ['npm-dev'] },
    },
    {
      name: 'resolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['/dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
