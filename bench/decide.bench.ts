// npm run bench -- decide
// Policy decisions on compiled policies. The organization: 200 connectors × 50 tools and 50 roles,
// each with rules for 8 connectors (some with per-tool overrides) and 2 folder roots.
// 1. Against Cedar, on a realistic user (3 roles): Steward's tool and path decisions side by side
//    with @cedar-policy/cedar-wasm run the way its users run it (bench/decide-cedar.ts: policies
//    pre-parsed once, the smallest entity slice per call), the same decisions checked on both
//    sides. Goals: Steward ≥ 100× faster at p99 for tools, ≥ 10× for paths. Also printed: Cedar
//    with the organization's whole policy set, and Cedar's fixed cost per call.
// 2. The heaviest user (all 50 roles, 100 folder roots): tool decision p99 ≤ 2 µs, path ≤ 10 µs.
// 3. compilePolicy for that user (goal ≤ 5 ms).
// Steward's decisions take well under a microsecond, below what one timer read resolves, so both
// sides are timed the same way: in batches of 64, each batch's mean one sample.
import { performance } from 'node:perf_hooks';
import { canonicalPath, compilePolicy, PolicyEngine, relativeToHome } from '@steward/policy';
import type { ConnectorSource, Decision, PolicySources, RoleSource } from '@steward/policy';
import {
  CedarPeer,
  cedarVersion,
  fixedCostPeer,
  pathPolicies,
  preparse,
  toolPolicies,
} from './decide-cedar';
import { machineLoad, reportResult } from './result';

const CONNECTORS = 200;
const TOOLS = 50;
const ROLES = 50;
const CONNECTORS_PER_ROLE = 8;
const BATCH = 64;
// The realistic user's roles (role 0 grants the agent and connectors capabilities).
const USER_ROLES = [0, 17, 34];

// Deterministic pseudo-random numbers, so every run decides the same requests.
let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
}
function pick<T>(values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

const decisions: Decision[] = ['allow', 'allow', 'allow', 'ask', 'deny'];
const connectors: ConnectorSource[] = Array.from({ length: CONNECTORS }, (_, c) => ({
  name: `connector-${c}`,
  transport: 'stdio',
  tools: Array.from({ length: TOOLS }, (_, t) => ({
    name: `tool-${t}`,
    kind: t % 3 ? 'write' : 'read',
    destructive: false,
    approved: true,
  })),
}));

const roles: RoleSource[] = Array.from({ length: ROLES }, (_, r) => ({
  id: `role-${r}`,
  name: `Role ${String(r).padStart(2, '0')}`,
  capabilities: r === 0 ? ['agent', 'connectors', 'shell'] : ['web'],
  connectorRules: Array.from({ length: CONNECTORS_PER_ROLE }, (_, i) => ({
    connector: `connector-${(r * CONNECTORS_PER_ROLE + i) % CONNECTORS}`,
    read: pick(decisions),
    write: pick(decisions),
    tools: random() < 0.5 ? { [`tool-${Math.floor(random() * TOOLS)}`]: pick(decisions) } : {},
  })),
  folderRoots: [
    { pattern: `~/Projects/team-${r}`, access: 'read_write' },
    { pattern: `/srv/shared/area-${r}/docs`, access: 'read' },
  ],
}));

function sourcesFor(held: RoleSource[]): PolicySources {
  return {
    user: { id: 'user-1', active: true },
    grants: held.map((role, r) => ({
      role,
      via: { kind: 'group', groupId: `group-${r % 10}`, groupName: `Group ${r % 10}` },
    })),
    connectors,
    approvals: { autoApprovePlansAllowed: false },
  };
}

// An engine as the runtime has it: built from the bundle's JSON.
const engineFor = (held: RoleSource[]) =>
  new PolicyEngine(JSON.parse(JSON.stringify(compilePolicy(sourcesFor(held)))));

const kindOf = (connector: string, tool: string) =>
  connectors.find((c) => c.name === connector)!.tools.find((t) => t.name === tool)!.kind;

// Tool calls: most to connectors the user's roles have rules for, some to any connector.
function toolRequests(held: RoleSource[], count: number) {
  const ruled = held.flatMap((role) => role.connectorRules.map((rule) => rule.connector));
  return Array.from({ length: count }, () => {
    const connector =
      random() < 0.8 ? pick(ruled) : `connector-${Math.floor(random() * CONNECTORS)}`;
    const tool = `tool-${Math.floor(random() * TOOLS)}`;
    return { connector, tool, kind: kindOf(connector, tool) };
  });
}

// Paths inside and beside the user's roots, in the ceiling, climbing out and elsewhere.
function pathRequests(roleNumbers: number[], count: number) {
  return Array.from({ length: count }, (_, i) => {
    const r = pick(roleNumbers);
    const path = pick([
      `/Users/alice/Projects/team-${r}/src/module/file-${i % 97}.ts`,
      `/Users/alice/Projects/team-${r}-evil/x`,
      `/srv/shared/area-${r}/docs/spec-${i % 13}.md`,
      `/Users/alice/Desktop/secret-${r}.txt`,
      `/Users/alice/Projects/team-${r}/../../Downloads/a`,
      `/tmp/elsewhere/${r}`,
    ]);
    return { path, access: i % 2 ? ('write' as const) : ('read' as const) };
  });
}

// Per-decision means of batches of BATCH calls of `decide` over `count` requests.
function timeBatches(count: number, decide: (i: number) => number): number[] {
  const samples: number[] = [];
  let sink = 0;
  for (let start = 0; start + BATCH <= count; start += BATCH) {
    const began = performance.now();
    for (let i = start; i < start + BATCH; i++) sink += decide(i);
    samples.push(((performance.now() - began) * 1000) / BATCH);
  }
  if (sink === -1) console.log('');
  return samples;
}

// scripts/bench.mjs runs benchmarks with --expose-gc.
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// A/B: `rounds` rounds of each side in turn, after one warm-up round each.
function alternate(
  rounds: number,
  sides: Record<string, { count: number; decide: (i: number) => number }>,
): Record<string, number[]> {
  const samples: Record<string, number[]> = {};
  for (const [name, side] of Object.entries(sides)) {
    timeBatches(side.count, side.decide);
    samples[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, side] of Object.entries(sides)) {
      // Each side starts from a clean heap: the garbage Cedar's answers leave is collected in its
      // own rounds, not in Steward's.
      collectGarbage();
      samples[name]!.push(...timeBatches(side.count, side.decide));
    }
  }
  return samples;
}

const µs = (value: number) => `${value < 1 ? value.toFixed(3) : value.toFixed(1)} µs`;
const describe = (samples: number[]) =>
  `p50 ${µs(percentile(samples, 0.5))}, p99 ${µs(percentile(samples, 0.99))}`;

console.log(machineLoad());

// ---- 1. Against Cedar: a user in 3 roles ------------------------------------------------------
const held = USER_ROLES.map((r) => roles[r]!);
const heldIds = held.map((role) => role.id);
const engine = engineFor(held);
const context = { os: 'macos' as const, home: '/Users/alice' };
const home = canonicalPath(context.home, 'macos');
// Cedar is given the canonical path (Steward's engine canonicalises inside its decision).
const canonical = (path: string) => relativeToHome(canonicalPath(path, 'macos')!, home);

preparse('user', { ...toolPolicies(held), ...pathPolicies(held) });
preparse('organization', { ...toolPolicies(roles), ...pathPolicies(roles) });
const cedarUser = new CedarPeer('user', heldIds);
const cedarOrganization = new CedarPeer('organization', heldIds);
const cedarFixed = fixedCostPeer(heldIds);

const tools = toolRequests(held, 4096);
const paths = pathRequests(USER_ROLES, 4096).map((request) => ({
  ...request,
  canonical: canonical(request.path),
}));

// Cedar with the organization's whole policy set is checked on the first requests only (slow).
const ORGANIZATION_CHECKS = 512;
let toolMismatches = 0;
let pathMismatches = 0;
const toolTally: Record<Decision, number> = { allow: 0, ask: 0, deny: 0 };
const pathTally = { allow: 0, deny: 0 };
for (const [i, { connector, tool, kind }] of tools.entries()) {
  const ours = engine.tool(connector, tool).decision;
  toolTally[ours] += 1;
  if (ours !== cedarUser.tool(connector, tool, kind)) toolMismatches += 1;
  if (i < ORGANIZATION_CHECKS && ours !== cedarOrganization.tool(connector, tool, kind)) {
    toolMismatches += 1;
  }
}
for (const [i, { path, canonical: target, access }] of paths.entries()) {
  const ours = engine.path(path, access, context).decision;
  pathTally[ours] += 1;
  if (ours !== cedarUser.path(target, access)) pathMismatches += 1;
  if (i < ORGANIZATION_CHECKS && ours !== cedarOrganization.path(target, access)) {
    pathMismatches += 1;
  }
}
const checks = (requests: unknown[]) => requests.length + ORGANIZATION_CHECKS;
const userPolicies = Object.keys({ ...toolPolicies(held), ...pathPolicies(held) }).length;
const orgPolicies = Object.keys({ ...toolPolicies(roles), ...pathPolicies(roles) }).length;
console.log(
  `user in ${held.length} roles over ${CONNECTORS}×${TOOLS} tools; cedar-wasm ${cedarVersion}, ` +
    `policies pre-parsed (the user's roles: ${userPolicies}; the organization's: ${orgPolicies}), ` +
    `entities per call: user, ${held.length} roles (+ connector and tool)`,
);
console.log(
  `  same decisions on both sides: tools ${checks(tools) - toolMismatches}/${checks(tools)} ` +
    `(${JSON.stringify(toolTally)}), paths ${checks(paths) - pathMismatches}/${checks(paths)} ` +
    `(${JSON.stringify(pathTally)})`,
);
if (toolMismatches + pathMismatches > 0) throw new Error('Steward and Cedar decided differently');

// Cedar calls per round (cycling through the requests): 256 samples of BATCH.
const CEDAR_CALLS = 16_384;
// With the organization's whole policy set (about 30× slower per call): 16 samples per round.
const ORGANIZATION_CALLS = 1024;
const cedarTool = (peer: CedarPeer, i: number) => {
  const request = tools[i % tools.length]!;
  return peer.tool(request.connector, request.tool, request.kind).length;
};
const cedarPath = (peer: CedarPeer, i: number) => {
  const request = paths[i % paths.length]!;
  return peer.path(request.canonical, request.access).length;
};
const toolSamples = alternate(3, {
  steward: {
    count: tools.length * 8,
    decide: (i) => {
      const request = tools[i % tools.length]!;
      return engine.tool(request.connector, request.tool).decision.length;
    },
  },
  cedar: { count: CEDAR_CALLS, decide: (i) => cedarTool(cedarUser, i) },
  cedarOrganization: { count: ORGANIZATION_CALLS, decide: (i) => cedarTool(cedarOrganization, i) },
  cedarFixed: { count: CEDAR_CALLS, decide: (i) => cedarTool(cedarFixed, i) },
});
const pathSamples = alternate(3, {
  steward: {
    count: paths.length * 8,
    decide: (i) => {
      const request = paths[i % paths.length]!;
      return engine.path(request.path, request.access, context).decision.length;
    },
  },
  cedar: { count: CEDAR_CALLS, decide: (i) => cedarPath(cedarUser, i) },
  cedarOrganization: { count: ORGANIZATION_CALLS, decide: (i) => cedarPath(cedarOrganization, i) },
});
console.log(machineLoad());

function compareWithCedar(what: string, samples: Record<string, number[]>, goal: number): void {
  const ours = percentile(samples.steward!, 0.99);
  const theirs = percentile(samples.cedar!, 0.99);
  const factor = theirs / ours;
  console.log(`${what} decision`);
  console.log(`  steward:                                   ${describe(samples.steward!)}`);
  console.log(`  cedar-wasm, the user's roles' policies:    ${describe(samples.cedar!)}`);
  console.log(
    `  cedar-wasm, the organization's policies:   ${describe(samples.cedarOrganization!)}`,
  );
  if (samples.cedarFixed) {
    console.log(`  cedar-wasm fixed cost per call (no policy): ${describe(samples.cedarFixed)}`);
  }
  console.log(
    `  steward faster at p99: ${factor.toFixed(0)}× (goal ≥ ${goal}×: ${factor >= goal ? 'met' : 'MISSED'})`,
  );
  reportResult({
    figure: `${what} decision p99, user in ${held.length} roles`,
    value: ours,
    unit: 'µs',
    peer: 'cedar-wasm, policies pre-parsed, entity slice per call',
    peerValue: theirs,
    ratio: ours / theirs,
    goal: `Steward ≥ ${goal}× faster (ratio ≤ ${1 / goal})`,
    met: factor >= goal,
  });
}
compareWithCedar('tool', toolSamples, 100);
compareWithCedar('path', pathSamples, 10);

// ---- 2. The heaviest user: all 50 roles, 100 folder roots ---------------------------------------
const allRoles = engineFor(roles);
const heavyTools = toolRequests(roles, 4096);
const heavyPaths = pathRequests(
  roles.map((_, r) => r),
  4096,
);
const heavy = alternate(3, {
  tool: {
    count: heavyTools.length * 8,
    decide: (i) => {
      const request = heavyTools[i % heavyTools.length]!;
      return allRoles.tool(request.connector, request.tool).decision.length;
    },
  },
  path: {
    count: heavyPaths.length * 8,
    decide: (i) => {
      const request = heavyPaths[i % heavyPaths.length]!;
      return allRoles.path(request.path, request.access, context).decision.length;
    },
  },
});
const heavyTool = percentile(heavy.tool!, 0.99);
const heavyPath = percentile(heavy.path!, 0.99);
console.log(
  `user in all ${ROLES} roles (${allRoles.policy.folders.macos.length} macOS folder rules)`,
);
console.log(`  tool decision ${describe(heavy.tool!)} (goal ≤ 2 µs)`);
console.log(`  path decision ${describe(heavy.path!)} (goal ≤ 10 µs)`);
reportResult({
  figure: `tool decision p99, user in ${ROLES} roles`,
  value: heavyTool,
  unit: 'µs',
  goal: '≤ 2 µs',
  met: heavyTool <= 2,
});
reportResult({
  figure: `path decision p99, ${allRoles.policy.folders.macos.length} folder rules`,
  value: heavyPath,
  unit: 'µs',
  goal: '≤ 10 µs',
  met: heavyPath <= 10,
});

// ---- 3. compile -------------------------------------------------------------------------------
// p99 of a few hundred samples is a handful of runs, and a compile's cost is mostly the garbage it
// leaves: 2,000 samples after 200 warm-up compiles (JIT settled), with no forced collection, so
// the collections the compiles cause land in the samples as they would in the API.
const COMPILE_WARM_UP = 200;
const COMPILE_SAMPLES = 2000;
const heavySources = sourcesFor(roles);
const compileSamples: number[] = [];
let rules = 0;
for (let i = 0; i < COMPILE_WARM_UP + COMPILE_SAMPLES; i++) {
  const began = performance.now();
  rules += compilePolicy(heavySources).rules.length;
  if (i >= COMPILE_WARM_UP) compileSamples.push(performance.now() - began);
}
const compileP99 = percentile(compileSamples, 0.99);
const bytes = JSON.stringify(compilePolicy(heavySources)).length;
console.log(
  `compile one user (${ROLES} roles, ${CONNECTORS * TOOLS} tools; ${(bytes / 1024).toFixed(0)} KiB as JSON; ${COMPILE_SAMPLES} samples, ${rules} rules)`,
);
console.log(
  `  p50 ${percentile(compileSamples, 0.5).toFixed(2)} ms, p99 ${compileP99.toFixed(2)} ms (goal ≤ 5 ms: ${compileP99 <= 5 ? 'met' : 'MISSED'})`,
);
reportResult({
  figure: 'compile one user’s policy p99',
  value: compileP99,
  unit: 'ms',
  goal: '≤ 5 ms',
  met: compileP99 <= 5,
});
console.log(machineLoad());
