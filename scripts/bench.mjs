#!/usr/bin/env node
// `npm run bench -- NAME` runs bench/NAME.bench.ts (compiled by scripts/build.mjs); with no name,
// every benchmark in turn. Each prints its figures and the comparison its issue asks for.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const available = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''))
  .sort();
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length) {
  console.error(`No benchmark ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}
execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
let failed = false;
for (const name of requested.length ? requested : available) {
  console.log(`\n=== bench ${name} ===`);
  try {
    execFileSync(process.execPath, ['--expose-gc', path.join(root, 'dist/bench', `${name}.bench.js`)], {
      stdio: 'inherit',
      cwd: root,
    });
  } catch {
    failed = true;
    console.error(`bench ${name} failed`);
  }
}
process.exit(failed ? 1 : 0);
