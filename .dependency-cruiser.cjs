// Boundaries between the processes and the areas of the main process, checked by `npm run lint` (dependency-cruiser;
// alone: `node scripts/depcruise.mjs electron shared renderer tests bench scripts`). TypeScript is read with @swc/core:
// dependency-cruiser's own TypeScript parser needs TypeScript < 7, and scripts/depcruise.mjs tells swc which files are TSX.

/** The contract between the renderer and the main process: the calls, their schemas and results, the bridge. */
const CONTRACT = '^shared/(api|bridge|contractCall|mailboxSchema)[.]ts$|^shared/[^/]+/api[.]ts$';

/**
 * An area is a top-level folder of the main process (audit, bulk, outbox, ...). In the folder graph a folder's imports
 * include its subfolders', so db/migrations counts for db, and is also checked as an area of its own.
 */
const AREA = '^electron/main/[^/]+$|^electron/main/db/migrations$';

/** Where the shipped app starts: the Electron shell, web mode, the job worker, the audit-check worker, the preload and the renderer. */
const APP_ENTRIES = '^electron/main/(index|web|jobWorker|audit/verifyWorker|db/migrateWorker)[.]ts$|^electron/preload/index[.]ts$|^renderer/src/main[.]tsx$';

module.exports = {
  forbidden: [
    {
      name: 'renderer-not-to-electron',
      comment: 'The renderer reaches the main process only through window.api and the contract in shared/.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^electron/' },
    },
    {
      name: 'shared-not-to-electron',
      comment: 'shared/ is code both processes run: it cannot depend on the main process or the preload.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^electron/' },
    },
    {
      name: 'shared-not-to-renderer',
      comment: 'shared/ is code both processes run: it cannot depend on the renderer.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^renderer/' },
    },
    {
      name: 'domain-not-to-contract',
      comment:
        'shared/domain holds pure rules that take data and return data. It does not know the renderer/main contract ' +
        '(shared/api.ts, shared/*/api.ts, shared/contractCall.ts, shared/bridge.ts, shared/mailboxSchema.ts): the contract uses the rules, not the other way round.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: CONTRACT },
    },
    {
      name: 'no-cycle-between-main-areas',
      comment:
        'The areas of electron/main (its top-level folders) form no cycle: if area A imports area B, nothing in B imports A, directly or through other areas. ' +
        'Break it by moving what both need to a leaf (electron/main/lib, shared/) or by having app.ts wire the two.',
      severity: 'error',
      // scope 'folder': modules are collapsed into their folders and the cycles are looked for in that graph, so
      // outbox/a → sync/b and sync/c → outbox/d is a cycle even though no module imports itself.
      scope: 'folder',
      from: { path: AREA },
      to: { path: AREA, circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'No module imports itself through others: a cycle decides the order modules start in, and hides which one owns what.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'migrations-not-to-live-code',
      comment:
        'A migration is frozen the day it ships: it imports nothing from the application (only other migrations and Kysely), ' +
        'or changing live code would change what an old migration does.',
      severity: 'error',
      from: { path: '^electron/main/db/migrations/' },
      to: {
        pathNot: ['^electron/main/db/migrations/', '(^|/)node_modules/kysely/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'no-orphans',
      comment: 'A module nothing imports is dead code, unless it is an entry point (listed in pathNot).',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '[.]d[.]ts$',
          // entry points: Electron shell, web mode, import worker, preload, renderer, scripts, benches, tests, configs
          '^electron/main/(index|web)[.]ts$',
          '^electron/main/importer/applyWorker[.]ts$',
          '^electron/preload/index[.]ts$',
          '^renderer/src/main[.]tsx$',
          '^scripts/',
          '^bench/',
          '^tests/.*[.](test|spec)[.]ts$',
          '^tests/support/portal/dev[.]ts$',
          '^tests/support/fhir/dev[.]ts$',
          '^[^/]+[.]config[.]ts$',
        ],
      },
      to: {},
    },
    {
      name: 'no-unreachable-app-module',
      comment:
        'Every module of the app is reachable from one of its entry points (the Electron shell, web mode, the import worker, the preload, the renderer). ' +
        'One that is not is dead code, even if a test still imports it.',
      severity: 'error',
      from: { path: APP_ENTRIES },
      to: {
        path: '^(electron|shared|renderer)/',
        // the entries themselves; the packet languages, which Vite's import.meta.glob loads
        pathNot: [APP_ENTRIES, '[.]d[.]ts$', '^renderer/src/packet/languages/'],
        reachable: false,
      },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to no file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-undeclared-package',
      comment:
        'A package imported but not declared in package.json works only while npm happens to install it for another package. ' +
        "Tests may reach into electron-builder's own packages to validate electron-builder.yml the way it does.",
      severity: 'error',
      from: { pathNot: '^tests/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'app-not-to-dev-dependency',
      comment: 'What ships (main, preload, renderer, shared) cannot import a devDependency: it is not in the packaged app.',
      severity: 'error',
      from: { path: '^(electron|renderer|shared)/' },
      // electron is a devDependency by electron-builder's rule: the runtime provides it, the package does not carry it.
      // @medplum/fhirtypes is FHIR R4's type declarations and nothing else (no main, no code): nothing of it ships.
      // (swc, the parser here, does not mark `import type` as type-only, so dependencyTypesNot alone does not exempt it.)
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: '(^|/)node_modules/(electron|@medplum/fhirtypes)/' },
    },
  ],
  options: {
    parser: 'swc',
    // type-only imports count: a type import across a boundary couples the two sides as much as a value import.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // node_modules may be a symbolic link (a git worktree sharing one install): name packages by where they are linked.
    preserveSymlinks: true,
    exclude: { path: '^(out|dist|test-results|playwright-report|[.]test-reports)/' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
