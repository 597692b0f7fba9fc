import fc from 'fast-check';
import {
  CAPABILITIES,
  ceilingEntries,
  compilePolicy,
  DEFAULT_CEILING,
  PolicyEngine,
  canonicalPath,
  isWithin,
  patternSystems,
  relativeToHome,
} from './index';
import type {
  ConnectorSource,
  Decision,
  OperatingSystem,
  PolicySources,
  RoleGrant,
  RoleSource,
} from './index';

// A straightforward evaluation straight from the sources, written as the semantics read (no
// tables, no interning, no precedence shortcuts). The compiled engine must agree with it on every
// request over random policies.
const RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

function hasCapability(sources: PolicySources, capability: string): boolean {
  if (!sources.user.active) return false;
  const granted = (name: string) => sources.grants.some((g) => g.role.capabilities.includes(name));
  if (!granted('agent')) return false;
  if (capability === 'auto_approve_plans' && !sources.approvals?.autoApprovePlansAllowed)
    return false;
  return granted(capability);
}

function referenceTool(sources: PolicySources, connector: string, tool: string): Decision {
  if (!hasCapability(sources, 'connectors')) return 'deny';
  const entry = sources.connectors.find((c) => c.name === connector);
  const catalogued = entry?.tools.find((t) => t.name === tool);
  if (!entry || !catalogued) return 'deny';
  const votes: Decision[] = [];
  for (const grant of sources.grants) {
    for (const rule of grant.role.connectorRules) {
      if (rule.connector !== connector) continue;
      const override = rule.tools && Object.hasOwn(rule.tools, tool) ? rule.tools[tool] : undefined;
      votes.push(override ?? rule[catalogued.kind]);
    }
  }
  if (!votes.length) return 'deny';
  const strongest = votes.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
  return !catalogued.approved && strongest === 'allow' ? 'ask' : strongest;
}

function referencePath(
  sources: PolicySources,
  path: string,
  access: 'read' | 'write',
  os: OperatingSystem,
  home: string,
): 'allow' | 'deny' {
  if (!hasCapability(sources, 'agent')) return 'deny';
  const absolute = canonicalPath(path, os);
  if (absolute === null) return 'deny';
  const homeAt = canonicalPath(home, os);
  const target = relativeToHome(absolute, homeAt);
  // A path in the home is matched in both forms rules are written in, `~/…` and absolute.
  const forms =
    target[0] === '~' && homeAt && homeAt !== '/'
      ? [target, target === '~' ? homeAt : homeAt + target.slice(1)]
      : [target];
  const covers = (location: string) => forms.some((form) => isWithin(form, location));
  const forbiddenRoots: string[] = [];
  for (const entry of ceilingEntries(sources.ceiling)) {
    for (const system of entry.os ?? patternSystems(entry.pattern)) {
      if (system !== os) continue;
      const location = canonicalPath(entry.pattern, os);
      if (location === null) continue;
      if (entry.scope === 'subtree' && covers(location)) return 'deny';
      if (entry.scope === 'root') {
        if (forms.includes(location)) return 'deny';
        forbiddenRoots.push(location);
      }
    }
  }
  for (const grant of sources.grants) {
    for (const root of grant.role.folderRoots) {
      if (!(root.os ?? patternSystems(root.pattern)).includes(os)) continue;
      const prefix = canonicalPath(root.pattern, os);
      if (prefix === null || forbiddenRoots.some((f) => isWithin(f, prefix))) continue;
      if (covers(prefix) && (access === 'read' || root.access === 'read_write')) {
        return 'allow';
      }
    }
  }
  return 'deny';
}

// Small alphabets so random policies and requests collide often.
const connectorNames = ['crm', 'mail', 'git'];
const toolNames = ['a', 'b', 'c', 'd'];
const decision = fc.constantFrom<Decision>('allow', 'ask', 'deny');
const folderNames = [
  'Work',
  'work',
  'Desktop',
  'Downloads',
  'OneDrive',
  'x',
  '..',
  '.',
  'Work-evil',
];
const folderPath = fc
  .array(fc.constantFrom(...folderNames), { maxLength: 4 })
  .chain((segments) =>
    fc.constantFrom(
      `~/${segments.join('/')}`,
      `/srv/${segments.join('/')}`,
      `C:\\Users\\alice\\${segments.join('\\')}`,
      `/Users/alice/${segments.join('/')}`,
      `/home/alice/${segments.join('/')}`,
      '~',
    ),
  );

const role: fc.Arbitrary<RoleSource> = fc.record({
  id: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
  name: fc.constantFrom('Alpha', 'Beta', 'Gamma'),
  capabilities: fc.subarray([...CAPABILITIES, 'unknown_thing']),
  connectorRules: fc.array(
    fc.record(
      {
        connector: fc.constantFrom(...connectorNames, 'ghost'),
        read: decision,
        write: decision,
        tools: fc.dictionary(fc.constantFrom(...toolNames, 'zz'), decision, { maxKeys: 3 }),
      },
      { requiredKeys: ['connector', 'read', 'write'] },
    ),
    { maxLength: 4 },
  ),
  folderRoots: fc.array(
    fc.record({
      pattern: folderPath,
      access: fc.constantFrom('read' as const, 'read_write' as const),
    }),
    { maxLength: 4 },
  ),
});

const grant: fc.Arbitrary<RoleGrant> = fc.record({
  role,
  via: fc.oneof(
    fc.constant({ kind: 'user' as const }),
    fc.record({
      kind: fc.constant('group' as const),
      groupId: fc.constantFrom('g1', 'g2'),
      groupName: fc.constantFrom('Eng', 'Sales'),
    }),
  ),
});

const connector: fc.Arbitrary<ConnectorSource> = fc.record({
  name: fc.constantFrom(...connectorNames),
  transport: fc.constant('stdio' as const),
  tools: fc.uniqueArray(
    fc.record({
      name: fc.constantFrom(...toolNames),
      kind: fc.constantFrom('read' as const, 'write' as const),
      destructive: fc.boolean(),
      approved: fc.boolean(),
    }),
    { selector: (tool) => tool.name, maxLength: 4 },
  ),
});

const sources: fc.Arbitrary<PolicySources> = fc.record(
  {
    user: fc.record({ id: fc.constant('u'), active: fc.boolean() }),
    grants: fc.array(grant, { maxLength: 4 }),
    connectors: fc.uniqueArray(connector, { selector: (c) => c.name, maxLength: 3 }),
    ceiling: fc.record(
      {
        disabledDefaults: fc.subarray(DEFAULT_CEILING.map((entry) => entry.id)),
        extra: fc.array(
          fc.record({
            id: fc.constantFrom('e1', 'e2'),
            pattern: folderPath,
            scope: fc.constantFrom('subtree' as const, 'root' as const),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    approvals: fc.record({ autoApprovePlansAllowed: fc.boolean() }),
  },
  { requiredKeys: ['user', 'grants', 'connectors'] },
);

const systems = fc.constantFrom<[OperatingSystem, string]>(
  ['macos', '/Users/alice'],
  ['windows', 'C:\\Users\\alice'],
  ['linux', '/home/alice'],
);

function compiledEngine(input: PolicySources): PolicyEngine {
  return new PolicyEngine(JSON.parse(JSON.stringify(compilePolicy(input))));
}

describe('compiled policy equals the reference evaluation', () => {
  it('for capabilities', () => {
    fc.assert(
      fc.property(sources, (input) => {
        const engine = compiledEngine(input);
        for (const capability of CAPABILITIES) {
          expect(engine.capability(capability).allowed).toBe(hasCapability(input, capability));
        }
        expect(engine.planApproval().mode).toBe(
          hasCapability(input, 'auto_approve_plans') ? 'auto' : 'person',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('for tool calls', () => {
    fc.assert(
      fc.property(sources, (input) => {
        const engine = compiledEngine(input);
        for (const name of [...connectorNames, 'ghost']) {
          for (const tool of [...toolNames, 'zz']) {
            expect([name, tool, engine.tool(name, tool).decision]).toEqual([
              name,
              tool,
              referenceTool(input, name, tool),
            ]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('for paths', () => {
    fc.assert(
      fc.property(
        sources,
        fc.array(
          fc.tuple(folderPath, fc.constantFrom('read' as const, 'write' as const), systems),
          {
            minLength: 1,
            maxLength: 10,
          },
        ),
        (input, requests) => {
          const engine = compiledEngine(input);
          for (const [path, access, [os, home]] of requests) {
            expect([path, access, os, engine.path(path, access, { os, home }).decision]).toEqual([
              path,
              access,
              os,
              referencePath(input, path, access, os, home),
            ]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('invariants', () => {
  it('a deny in any role wins over whatever other roles allow', () => {
    fc.assert(
      fc.property(sources, fc.constantFrom(...connectorNames), (input, name) => {
        const blocker: RoleGrant = {
          role: {
            id: 'blocker',
            name: 'Blocker',
            capabilities: [],
            connectorRules: [{ connector: name, read: 'deny', write: 'deny' }],
            folderRoots: [],
          },
          via: { kind: 'user' },
        };
        const engine = compiledEngine({ ...input, grants: [...input.grants, blocker] });
        const overridden = new Set(
          input.grants.flatMap((g) =>
            g.role.connectorRules
              .filter((r) => r.connector === name)
              .flatMap((r) => Object.keys(r.tools ?? {})),
          ),
        );
        for (const tool of toolNames.filter((t) => !overridden.has(t))) {
          expect(engine.tool(name, tool).decision).toBe('deny');
        }
      }),
    );
  });

  it('no role reaches into the ceiling', () => {
    fc.assert(
      fc.property(sources, folderPath, systems, (input, root, [os, home]) => {
        const wide: RoleGrant = {
          role: {
            id: 'wide',
            name: 'Wide',
            capabilities: ['agent'],
            connectorRules: [],
            folderRoots: [
              { pattern: root, access: 'read_write' },
              { pattern: '~', access: 'read_write' },
              { pattern: '/', access: 'read_write' },
              { pattern: 'C:\\', access: 'read_write' },
            ],
          },
          via: { kind: 'user' },
        };
        const engine = compiledEngine({ ...input, grants: [...input.grants, wide], ceiling: {} });
        for (const entry of DEFAULT_CEILING) {
          if (!(entry.os ?? patternSystems(entry.pattern)).includes(os)) continue;
          const inside = entry.scope === 'root' ? entry.pattern : `${entry.pattern}/sub/file`;
          expect(engine.path(inside, 'read', { os, home }).decision).toBe('deny');
        }
      }),
    );
  });

  it('empty or missing sources never widen access', () => {
    fc.assert(
      fc.property(sources, systems, folderPath, (input, [os, home], path) => {
        const empty = compiledEngine({
          user: input.user,
          grants: [],
          connectors: input.connectors,
        });
        for (const capability of CAPABILITIES)
          expect(empty.capability(capability).allowed).toBe(false);
        for (const name of connectorNames) expect(empty.tool(name, 'a').decision).toBe('deny');
        expect(empty.path(path, 'read', { os, home }).decision).toBe('deny');

        // Dropping the ceiling source altogether brings back the full default ceiling.
        const full = compiledEngine(input);
        const withoutCeiling = compiledEngine({ ...input, ceiling: undefined });
        if (
          full.path(path, 'read', { os, home }).decision === 'deny' &&
          !input.ceiling?.extra?.length
        ) {
          expect(withoutCeiling.path(path, 'read', { os, home }).decision).toBe('deny');
        }
      }),
    );
  });
});
