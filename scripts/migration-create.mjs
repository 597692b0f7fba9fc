#!/usr/bin/env node
// `npm run migration:create -- <name>`: build (skipped when unchanged), then run the compiled
// entry point, which drives the Prisma schema engine as WebAssembly (no native engine needed).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
const { main } = createRequire(import.meta.url)(
  path.join(root, 'dist/apps/admin-api/src/platform/database/migration-create.js'),
);
process.exitCode = await main(process.argv.slice(2));
