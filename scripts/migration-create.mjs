#!/usr/bin/env node
// `npm run migration:create -- <name>`: build (skipped when unchanged), then run the compiled
// entry point, which drives the Prisma schema engine as WebAssembly (no native engine needed).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist/apps/admin-api/src/platform/database/migration-create.js');
try {
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
} catch (error) {
  // The build compiles the TypeScript before the console; a broken console bundle should not
  // stop a schema change. Without our compiled entry point there is nothing to run, though.
  if (!fs.existsSync(entry)) throw error;
  console.error(
    'migration:create: the build failed (see above); using the compiled database code.',
  );
}
const { main } = createRequire(import.meta.url)(entry);
process.exitCode = await main(process.argv.slice(2));
