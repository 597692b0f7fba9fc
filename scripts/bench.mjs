#!/usr/bin/env node
// `npm run bench -- NAME` runs bench/NAME.bench.ts (compiled by scripts/build.mjs); with no name,
// every benchmark in turn. Each prints its figures and the comparison its issue asks for, and one
// `RESULT {json}` line per headline figure (bench/result.ts); those lines become the table in
// docs/benchmarks.md (rows of benchmarks not run this time are kept).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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
// Node flags a benchmark needs. decide: V8 11.3 (Node 20) aborts with "unreachable code" in the
// deoptimizer once TurboFan has inlined cedar-wasm's JS-to-Wasm calls; the flag only stops that
// inlining (Steward's side of the comparison is plain JavaScript).
const NODE_FLAGS = { decide: ['--no-turbo-inline-js-wasm-calls'] };

// Streams the benchmark's output through and returns its RESULT lines.
function runBench(name) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        ...(NODE_FLAGS[name] ?? []),
        path.join(root, 'dist/bench', `${name}.bench.js`),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      const results = output
        .split('\n')
        .filter((line) => line.startsWith('RESULT '))
        .map((line) => JSON.parse(line.slice('RESULT '.length)));
      resolve({ ok: code === 0, results });
    });
  });
}

function cell(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'number') return String(value).replaceAll('|', '\\|');
  return Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}

const TABLE_FILE = path.join(root, 'docs/benchmarks.md');
const HEADER =
  '| bench | figure | value | peer | peer value | ratio | goal | met | load | machine | run |';
// This machine, as its rows name it: runs on different VMs share the table.
const MACHINE = `${os.cpus().length} × ${(os.cpus()[0]?.model ?? 'unknown CPU')
  .replace(/\((R|TM)\)/g, '')
  .replace(/ (CPU|Processor)\b/g, '')
  .replace(/\s+/g, ' ')
  .trim()}, Node ${process.version}`;
const COLUMNS = HEADER.split(' | ').length;
// Rows written before the load and machine columns were added get empty cells for them.
const withEmptyCells = (line) => {
  const missing = COLUMNS - line.split(' | ').length;
  return missing > 0 ? line.replace(/ \| ([^|]*) \|$/, `${' | '.repeat(missing)} | $1 |`) : line;
};

function writeTable(rowsByBench) {
  const kept = fs.existsSync(TABLE_FILE)
    ? fs
        .readFileSync(TABLE_FILE, 'utf8')
        .split('\n')
        .filter((line) => /^\| [a-z][\w-]* \|/.test(line) && !line.startsWith('| bench |'))
        .filter((line) => !rowsByBench.has(line.split(' | ')[0].slice(2)))
        .map(withEmptyCells)
    : [];
  const run = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const fresh = [...rowsByBench].flatMap(([bench, results]) =>
    results.map((r) =>
      [
        bench,
        r.figure,
        `${cell(r.value)} ${r.unit}`,
        r.peer,
        r.peerValue === undefined ? '' : `${cell(r.peerValue)} ${r.unit}`,
        r.ratio === undefined ? '' : `${cell(r.ratio)}×`,
        r.goal,
        r.met ? 'yes' : '**no**',
        r.load === undefined ? '' : r.load.toFixed(2),
        MACHINE,
        run,
      ]
        .map(cell)
        .join(' | '),
    ),
  );
  const rows = [...kept, ...fresh.map((row) => `| ${row} |`)].sort();
  const text = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (every benchmark) or `npm run bench -- NAME` (that one; the other',
    'rows are kept). Each row is one `RESULT` line of `bench/NAME.bench.ts`; a peer is measured in',
    'the same run as its figure, so compare ratios, not absolute figures across runs; `load` is the',
    "machine's one-minute load average when the figure was printed, `machine` the VM it ran on",
    '(kept rows may come from other VMs; rows from before that column have it empty).',
    '',
    HEADER,
    `|${'---|'.repeat(COLUMNS)}`,
    ...rows,
    '',
  ].join('\n');
  fs.writeFileSync(TABLE_FILE, text);
}

let failed = false;
const rowsByBench = new Map();
for (const name of requested.length ? requested : available) {
  console.log(`\n=== bench ${name} ===`);
  const { ok, results } = await runBench(name);
  if (!ok) {
    failed = true;
    console.error(`bench ${name} failed`);
  }
  if (results.length) rowsByBench.set(name, results);
}
writeTable(rowsByBench);
console.log(`\nwrote ${path.relative(root, TABLE_FILE)}`);
process.exit(failed ? 1 : 0);
