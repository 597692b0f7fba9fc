#!/usr/bin/env node
// Builds what `npm start`, `npm test`, the CLIs and the console need: the Prisma client, the
// TypeScript of apps/ and libs/ (compiled by SWC, which keeps decorator metadata for NestJS's
// injection), and the console bundle. Each step is skipped when its inputs have not changed since
// the last build, so it runs before every start, test run and CLI call. `--force` rebuilds
// everything; `--no-console` skips the console (the CLIs don't need it).
//
// It is not an install script on purpose: with strict-allow-scripts, `npx steward` treats a root
// package with install scripts as one to approve, and refuses.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamps = path.join(dist, '.stamps');
const force = process.argv.includes('--force');
const withConsole = !process.argv.includes('--no-console');

const TS_ROOTS = ['apps/admin-api/src', 'apps/agent-runtime/src', 'libs', 'bench', 'test/support'];
const LIB_ALIASES = {
  '@steward/policy': 'libs/policy/src/index.ts',
  '@steward/saml': 'libs/saml/src/index.ts',
  '@steward/telemetry': 'libs/telemetry/src/index.ts',
  '@steward/testing': 'libs/testing/src/index.ts',
};

function walk(dir, keep) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full, keep);
    return keep(full) ? [full] : [];
  });
}

function hashFiles(files) {
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(file).update(fs.readFileSync(file));
  return hash.digest('hex');
}

function unchanged(name, files) {
  const digest = hashFiles(files);
  const stamp = path.join(stamps, name);
  const same = !force && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest;
  return {
    same,
    save: () => {
      fs.mkdirSync(stamps, { recursive: true });
      fs.writeFileSync(stamp, digest);
    },
  };
}

function step(label, fn) {
  const started = Date.now();
  const did = fn();
  if (did !== false) console.log(`build: ${label} (${Date.now() - started} ms)`);
}

step('prisma client', () => {
  const inputs = [path.join(root, 'prisma/schema.prisma')];
  const generated = path.join(root, 'apps/admin-api/src/generated/prisma/client.ts');
  const { same, save } = unchanged('prisma', inputs);
  if (same && fs.existsSync(generated)) return false;
  // Quiet unless it fails: Prisma's banner would clutter every start.
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/prisma/build/index.js'), 'generate'],
      {
        cwd: root,
        stdio: 'pipe',
        env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      },
    );
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw error;
  }
  save();
});

step('typescript', () => {
  const files = TS_ROOTS.flatMap((dir) =>
    walk(
      path.join(root, dir),
      (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'),
    ),
  );
  const { same, save } = unchanged('typescript', files);
  const entries = [
    'apps/admin-api/src/main.js',
    'apps/admin-api/src/cli.js',
    'apps/agent-runtime/src/main.js',
  ];
  if (same && entries.every((entry) => fs.existsSync(path.join(dist, entry)))) return false;
  compileTypeScript(files);
  save();
});

function compileTypeScript(files) {
  const swc = createRequire(import.meta.url)('@swc/core');
  const paths = Object.fromEntries(Object.entries(LIB_ALIASES).map(([k, v]) => [k, [v]]));
  for (const file of files) {
    const out = path.join(dist, path.relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = swc.transformFileSync(file, {
      swcrc: false,
      sourceMaps: true,
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: {
          legacyDecorator: true,
          decoratorMetadata: true,
          useDefineForClassFields: false,
        },
        target: 'es2023',
        baseUrl: root,
        paths,
        keepClassNames: true,
      },
      module: { type: 'commonjs' },
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${code}\n//# sourceMappingURL=${path.basename(out)}.map`);
    fs.writeFileSync(`${out}.map`, map);
  }
}

step('console', () => {
  const web = path.join(root, 'apps/admin-web');
  if (!withConsole || !fs.existsSync(path.join(web, 'index.html'))) return false;
  const inputs = walk(web, (f) => !f.includes(`${path.sep}dist${path.sep}`));
  const { same, save } = unchanged('console', inputs);
  if (same && fs.existsSync(path.join(web, 'dist/index.html'))) return false;
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
    {
      cwd: web,
      stdio: 'inherit',
    },
  );
  save();
});
