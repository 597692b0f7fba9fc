// npm run bench -- runtime
// 1. Policy decision overhead per tool call, as a share of read_file's own time for a 4 KB file
//    (goal < 5%): the decisions a read_file call makes (capability gate + folder rule for the
//    path) measured alone, for a path the session has decided before and for one it has not
//    (first touch), and read_file measured with and without them, alternating A/B.
// 2. Sandbox start per shell command: a trivial command through the bubblewrap sandbox against the
//    same command spawned bare.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PolicyEngine, compilePolicy, type ConnectorSource } from '@steward/policy';
import { FileTools, type PathDecider } from '../apps/agent-runtime/src/tools/files/file-tools';
import { GrantedFolders } from '../apps/agent-runtime/src/tools/files/granted-folders';
import { SandboxShell, sandboxHealth } from '../apps/agent-runtime/src/tools/shell/sandbox-shell';
import { sessionPathDecider } from '../apps/agent-runtime/src/session/path-decisions';
import { reportResult } from './result';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'steward-bench-')));
fs.writeFileSync(path.join(dir, 'file-4k.txt'), 'x'.repeat(4096));

// A realistic compiled policy: 200 connectors × 50 tools, 100 folder roots, the default ceiling.
const connectors: ConnectorSource[] = Array.from({ length: 200 }, (_, c) => ({
  name: `connector-${c}`,
  transport: 'stdio',
  tools: Array.from({ length: 50 }, (_, t) => ({
    name: `tool-${t}`,
    kind: t % 2 ? 'write' : 'read',
    destructive: false,
    approved: true,
  })),
}));
// `inside`: extra forbidden locations, to place a folder rule inside the granted folder.
const policyWith = (inside: string[]) =>
  compilePolicy({
    user: { id: 'bench-user', active: true },
    grants: [
      {
        role: {
          id: 'r',
          name: 'Bench',
          capabilities: ['agent', 'shell', 'connectors'],
          connectorRules: connectors.map((c) => ({
            connector: c.name,
            read: 'allow',
            write: 'ask',
          })),
          folderRoots: [
            ...Array.from({ length: 99 }, (_, i) => ({
              pattern: `/srv/projects/p${i}`,
              access: 'read_write' as const,
            })),
            { pattern: dir, access: 'read_write' },
          ],
        },
        via: { kind: 'user' },
      },
    ],
    connectors,
    ceiling: {
      extra: inside.map((pattern, i) => ({ id: `inside-${i}`, pattern, scope: 'subtree' })),
    },
  });
const engine = new PolicyEngine(policyWith([]));
// The same policy with a forbidden folder inside the grant: then no decision covers the whole
// grant, and each new path is decided on its own (canonical form, then matching).
const ruledEngine = new PolicyEngine(policyWith([path.join(dir, 'secret')]));
const context = { os: 'linux' as const, home: os.homedir() };

const folders = GrantedFolders.open([{ root: dir, access: 'write' }]);
const grant = folders.grants[0]!;
const allowAll: PathDecider = () => ({ decision: 'allow', rule: 'bench' });
const policyDecider = sessionPathDecider(engine, context);
const bare = new FileTools(folders, allowAll);
const governed = new FileTools(folders, policyDecider);

const ROUNDS = 10;
const PER_ROUND = 2000;
const DECISIONS = PER_ROUND * 10;
const bareTimes: number[] = [];
const governedTimes: number[] = [];
const seenTimes: number[] = [];
const firstTouchTimes: number[] = [];
const ruledTimes: number[] = [];
for (let i = 0; i < 2000; i += 1) governed.readFile('file-4k.txt'); // warm-up
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [tools, sink] of [
    [bare, bareTimes],
    [governed, governedTimes],
  ] as const) {
    const start = performance.now();
    for (let i = 0; i < PER_ROUND; i += 1) tools.readFile('file-4k.txt');
    sink.push(((performance.now() - start) * 1000) / PER_ROUND);
  }
  // What the policy adds to one read_file call: the capability gate (ToolRunner) and the folder
  // rule for the path (FileTools), as a session makes them. Each call brings fresh strings (so
  // they are read and hashed every time), built before the clock starts: FileTools resolves a
  // path into them with or without a policy.
  const target = (relative: string) => ({ grant, relative, absolute: path.join(dir, relative) });
  const seen = Array.from({ length: DECISIONS }, () => target(['file-4k', 'txt'].join('.')));
  // The garbage of building them is not the decisions' to collect.
  global.gc?.();
  let start = performance.now();
  for (let i = 0; i < DECISIONS; i += 1) {
    engine.capability('agent');
    policyDecider(seen[i]!, 'read');
  }
  seenTimes.push(((performance.now() - start) * 1000) / DECISIONS);
  // Paths the session has not touched before: a new session's decider, a distinct path per call.
  for (const [decider, sink] of [
    [engine, firstTouchTimes],
    [ruledEngine, ruledTimes],
  ] as const) {
    const firstTouch = sessionPathDecider(decider, context);
    const fresh = Array.from({ length: DECISIONS }, (_, i) =>
      target(`round-${round}/file-${i}.txt`),
    );
    global.gc?.();
    start = performance.now();
    for (let i = 0; i < DECISIONS; i += 1) {
      decider.capability('agent');
      firstTouch(fresh[i]!, 'read');
    }
    sink.push(((performance.now() - start) * 1000) / DECISIONS);
  }
}
const readUs = median(bareTimes);
const governedUs = median(governedTimes);
const seenUs = median(seenTimes);
const firstTouchUs = median(firstTouchTimes);
const ruledUs = median(ruledTimes);
const share = (us: number) => `${((us / readUs) * 100).toFixed(2)}% of read_file; goal < 5%`;
console.log(`read_file 4 KB (openat2 + fstat + read), no policy: ${readUs.toFixed(2)} µs median`);
console.log(
  `read_file 4 KB with the session's policy:          ${governedUs.toFixed(2)} µs median`,
);
console.log(
  `policy decisions per read_file call, path seen before: ${seenUs.toFixed(3)} µs (${share(seenUs)})`,
);
console.log(
  `policy decisions per read_file call, first touch:      ${firstTouchUs.toFixed(3)} µs (${share(firstTouchUs)})`,
);
console.log(
  `  first touch with a folder rule inside the grant:     ${ruledUs.toFixed(3)} µs (${share(ruledUs)})`,
);
console.log(
  `  A/B read_file with vs without policy: ${(((governedUs - readUs) / readUs) * 100).toFixed(2)}% (noise-bound)`,
);
for (const [which, us] of [
  ['path seen before', seenUs],
  ['first touch of a path', firstTouchUs],
  ['first touch, folder rule inside the grant', ruledUs],
] as const) {
  reportResult({
    figure: `policy decisions per read_file call (${which})`,
    value: us,
    unit: 'µs',
    peer: 'read_file 4 KB itself',
    peerValue: readUs,
    ratio: us / readUs,
    goal: '< 5% of read_file',
    met: us / readUs < 0.05,
  });
}
folders.close();

async function shellBench(): Promise<void> {
  const health = sandboxHealth();
  if (!health.available) {
    console.log(`sandbox unavailable: ${health.problems.join('; ')}`);
    return;
  }
  const initStart = performance.now();
  const shell = await SandboxShell.start([{ root: dir, access: 'write' }], [], {
    hidden: [],
    readOnly: [],
  });
  const initMs = performance.now() - initStart;
  const sandboxed: number[] = [];
  const plain: number[] = [];
  await shell.run('true');
  for (let i = 0; i < 30; i += 1) {
    let start = performance.now();
    await shell.run('true');
    sandboxed.push(performance.now() - start);
    start = performance.now();
    spawnSync('/bin/bash', ['-c', 'true'], { cwd: dir });
    plain.push(performance.now() - start);
  }
  await shell.stop();
  console.log(`sandbox session start (proxies, once per session): ${initMs.toFixed(1)} ms`);
  reportResult({
    figure: 'shell command in the sandbox (median)',
    value: median(sandboxed),
    unit: 'ms',
    peer: 'bare bash',
    peerValue: median(plain),
    ratio: median(sandboxed) / median(plain),
    goal: 'measured (per-command overhead)',
    met: true,
  });
  console.log(
    `shell command in the sandbox: ${median(sandboxed).toFixed(1)} ms median ` +
      `(p90 ${percentile(sandboxed, 0.9).toFixed(1)} ms); bare bash: ${median(plain).toFixed(1)} ms; ` +
      `sandbox start per command ≈ ${(median(sandboxed) - median(plain)).toFixed(1)} ms`,
  );
}

shellBench()
  .finally(() => fs.rmSync(dir, { recursive: true, force: true }))
  .then(() => process.exit(0));
