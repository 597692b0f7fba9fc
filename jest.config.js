// Unit and medium tests sit next to the code (*.spec.ts); end-to-end tests in test/
// (*.e2e-spec.ts). Medium and e2e tests use the real Postgres and Redis: test/support/global-setup
// creates one database for the run (migrated once) and drops it at the end.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, tsx: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

// Packages that ship ES modules only (NestJS 12 and several of its dependencies): Jest's module
// system cannot require them, so they are compiled to CommonJS like our own code. Found by their
// package.json rather than listed by hand, so a dependency bump cannot silently break the suite.
function esmOnlyPackages() {
  const fs = require('node:fs');
  const path = require('node:path');
  const root = path.join(__dirname, 'node_modules');
  const names = [];
  for (const entry of fs.readdirSync(root)) {
    const scoped = entry.startsWith('@');
    for (const name of scoped
      ? fs.readdirSync(path.join(root, entry)).map((n) => `${entry}/${n}`)
      : [entry]) {
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(root, name, 'package.json'), 'utf8'));
        if (manifest.type === 'module') names.push(name);
      } catch {
        // not a package folder (.bin, .package-lock.json)
      }
    }
  }
  // CommonJS packages that load an ES-module dependency with import(), which Jest only follows
  // in code it compiled.
  names.push('@fastify/cookie');
  return names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/apps/admin-web/'],
  transform: { '^.+\\.(t|j|mj|cj)sx?$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnlyPackages().join('|')})/)`],
  moduleNameMapper: {
    '^@steward/(policy|saml|telemetry|testing)$': '<rootDir>/libs/$1/src/index.ts',
  },
  // Test files run one at a time (they share one database and Redis prefix, and the fault tests
  // restart Postgres and Redis), in a worker process that is replaced once it holds more than
  // 1.5 GB after a file: in one process for the whole run (--runInBand) the heap grew past 4 GB
  // and later files ran up to 6x slower (embedded.spec 10 s alone, 58 s late in the run).
  maxWorkers: 1,
  workerIdleMemoryLimit: '1500MB',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 30000,
};
