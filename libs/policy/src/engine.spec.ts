import { classifyTool, compilePolicy, PolicyEngine, unknownCapabilities } from './index';
import type { PolicySources, RoleSource } from './index';

const mac = { os: 'macos' as const, home: '/Users/alice' };
const win = { os: 'windows' as const, home: 'C:\\Users\\alice' };
const linux = { os: 'linux' as const, home: '/home/alice' };

function role(partial: Partial<RoleSource> & { id: string }): RoleSource {
  return { name: partial.id, capabilities: [], connectorRules: [], folderRoots: [], ...partial };
}

const crm = {
  name: 'crm',
  transport: 'stdio' as const,
  tools: [
    { name: 'search', kind: 'read' as const, destructive: false, approved: true },
    { name: 'send_email', kind: 'write' as const, destructive: true, approved: true },
    { name: 'new_tool', kind: 'read' as const, destructive: false, approved: false },
  ],
};

const base = ['agent', 'connectors'];

function engine(sources: Partial<PolicySources>): PolicyEngine {
  const compiled = compilePolicy({
    user: { id: 'u1', active: true },
    grants: [],
    connectors: [crm],
    ...sources,
  });
  // Decisions must survive the trip through the bundle's JSON.
  return new PolicyEngine(JSON.parse(JSON.stringify(compiled)));
}

describe('capabilities', () => {
  it('rejects unknown names and grants the union of roles', () => {
    expect(unknownCapabilities(['agent', 'shel', 'web'])).toEqual(['shel']);
    const policy = engine({
      grants: [
        { role: role({ id: 'a', capabilities: ['agent'] }), via: { kind: 'user' } },
        {
          role: role({ id: 'b', name: 'Engineers', capabilities: ['shell'] }),
          via: { kind: 'group', groupId: 'g1', groupName: 'Eng' },
        },
      ],
    });
    const shell = policy.capability('shell');
    expect(shell.allowed).toBe(true);
    expect(shell.rule.role).toEqual({ id: 'b', name: 'Engineers' });
    expect(shell.rule.group).toEqual({ id: 'g1', name: 'Eng' });
    expect(policy.capability('web')).toMatchObject({
      allowed: false,
      rule: { kind: 'capability_missing' },
    });
  });

  it('gates everything on the agent capability and gives a deactivated user nothing', () => {
    const noAgent = engine({
      grants: [
        { role: role({ id: 'a', capabilities: ['shell', 'connectors'] }), via: { kind: 'user' } },
      ],
    });
    expect(noAgent.capability('shell')).toMatchObject({
      allowed: false,
      rule: { detail: 'agent' },
    });
    const everything = role({
      id: 'all',
      capabilities: base,
      connectorRules: [{ connector: 'crm', read: 'allow', write: 'allow' }],
      folderRoots: [{ pattern: '~/Work', access: 'read_write' }],
    });
    const inactive = engine({
      user: { id: 'u1', active: false },
      grants: [{ role: everything, via: { kind: 'user' } }],
    });
    expect(inactive.capability('agent').rule.kind).toBe('user_inactive');
    expect(inactive.tool('crm', 'search').decision).toBe('deny');
    expect(inactive.path('/Users/alice/Work/a', 'read', mac).decision).toBe('deny');
  });

  it('auto-approves plans only with the capability and the organization allowing it', () => {
    const grants = [
      {
        role: role({ id: 'a', capabilities: ['agent', 'auto_approve_plans'] }),
        via: { kind: 'user' as const },
      },
    ];
    expect(engine({ grants }).planApproval().mode).toBe('person');
    expect(
      engine({ grants, approvals: { autoApprovePlansAllowed: true } }).planApproval().mode,
    ).toBe('auto');
    expect(
      engine({ grants: [], approvals: { autoApprovePlansAllowed: true } }).planApproval().mode,
    ).toBe('person');
  });
});

describe('tools', () => {
  it('classifies tools from MCP annotations', () => {
    expect(classifyTool({ readOnlyHint: true })).toEqual({ kind: 'read', destructive: false });
    expect(classifyTool(undefined)).toEqual({ kind: 'write', destructive: true });
    expect(classifyTool({ destructiveHint: false })).toEqual({ kind: 'write', destructive: false });
    expect(classifyTool({ readOnlyHint: true }, 'write').kind).toBe('write');
  });

  it('lets deny beat ask beat allow across roles and explains with role and group', () => {
    const sales = role({
      id: 'sales',
      name: 'Sales',
      capabilities: base,
      connectorRules: [{ connector: 'crm', read: 'allow', write: 'allow' }],
    });
    const cautious = role({
      id: 'cautious',
      name: 'Cautious',
      connectorRules: [{ connector: 'crm', read: 'allow', write: 'ask' }],
    });
    const locked = role({
      id: 'locked',
      name: 'Locked',
      connectorRules: [
        { connector: 'crm', read: 'allow', write: 'allow', tools: { send_email: 'deny' } },
      ],
    });
    const group = { kind: 'group' as const, groupId: 'g-sales', groupName: 'Sales team' };
    const two = engine({
      grants: [
        { role: sales, via: group },
        { role: cautious, via: { kind: 'user' } },
      ],
    });
    expect(two.tool('crm', 'send_email')).toMatchObject({
      decision: 'ask',
      kind: 'write',
      rule: { kind: 'connector_rule', detail: 'write', role: { name: 'Cautious' } },
    });
    const three = engine({
      grants: [
        { role: sales, via: group },
        { role: cautious, via: { kind: 'user' } },
        { role: locked, via: group },
      ],
    });
    expect(three.tool('crm', 'send_email')).toMatchObject({
      decision: 'deny',
      rule: { kind: 'tool_override', role: { name: 'Locked' }, group: { name: 'Sales team' } },
    });
    expect(three.tool('crm', 'search').decision).toBe('allow');
  });

  it('denies connectors off the list and tools off the catalogue, and holds drifted tools at ask', () => {
    const open = role({
      id: 'open',
      capabilities: base,
      connectorRules: [
        { connector: 'crm', read: 'allow', write: 'allow' },
        { connector: 'ghost', read: 'allow', write: 'allow' },
      ],
    });
    const policy = engine({ grants: [{ role: open, via: { kind: 'user' } }] });
    expect(policy.tool('ghost', 'x').rule.kind).toBe('connector_not_allowed');
    expect(policy.tool('crm', 'delete_all').rule.kind).toBe('tool_not_in_catalogue');
    expect(policy.tool('crm', 'new_tool')).toMatchObject({
      decision: 'ask',
      rule: { kind: 'drift' },
    });
    expect(policy.tool('crm', '__proto__').decision).toBe('deny');
  });

  it('denies every tool without a rule or without the connectors capability', () => {
    const noRule = engine({
      grants: [{ role: role({ id: 'r', capabilities: base }), via: { kind: 'user' } }],
    });
    expect(noRule.tool('crm', 'search').rule.kind).toBe('no_connector_rule');
    const noCapability = engine({
      grants: [
        {
          role: role({
            id: 'r',
            capabilities: ['agent'],
            connectorRules: [{ connector: 'crm', read: 'allow', write: 'allow' }],
          }),
          via: { kind: 'user' },
        },
      ],
    });
    expect(noCapability.tool('crm', 'search').rule).toMatchObject({
      kind: 'capability_missing',
      detail: 'connectors',
    });
  });
});

describe('folders', () => {
  const worker = role({
    id: 'w',
    name: 'Worker',
    capabilities: ['agent'],
    folderRoots: [
      { pattern: '~/Work', access: 'read_write' },
      { pattern: '~/Work/archive', access: 'read' },
      { pattern: '~/Reference', access: 'read' },
      { pattern: '/srv/work', access: 'read_write' },
      { pattern: 'D:\\Projects', access: 'read_write' },
      { pattern: '~', access: 'read_write' },
      { pattern: '~/Desktop/notes', access: 'read_write' },
    ],
  });
  const policy = engine({ grants: [{ role: worker, via: { kind: 'user' } }] });

  it('allows inside roots by access and denies outside them', () => {
    expect(policy.path('/Users/alice/Work/plan.md', 'write', mac).decision).toBe('allow');
    expect(policy.path('/Users/alice/Work/archive/2020.md', 'write', mac)).toMatchObject({
      decision: 'allow',
      rule: { detail: '~/Work (read-write)' },
    });
    expect(policy.path('/Users/alice/Reference/a', 'read', mac).decision).toBe('allow');
    expect(policy.path('/Users/alice/Reference/a', 'write', mac)).toMatchObject({
      decision: 'deny',
      rule: { kind: 'folder_root', detail: '~/Reference (read-only)' },
    });
    expect(policy.path('/Users/alice/Music/a', 'read', mac).rule.kind).toBe('no_folder_root');
    expect(policy.path('/srv/work/x', 'write', linux).decision).toBe('allow');
    expect(policy.path('D:\\Projects\\x', 'write', win).decision).toBe('allow');
    expect(policy.path('D:\\Projects\\x', 'write', mac).decision).toBe('deny');
  });

  it('matches on segment boundaries after normalising', () => {
    expect(policy.path('/Users/alice/Work-evil/x', 'read', mac).decision).toBe('deny');
    expect(policy.path('/srv/work-evil/x', 'read', linux).decision).toBe('deny');
    expect(policy.path('/Users/alice/Work/../Music/x', 'read', mac).decision).toBe('deny');
    expect(policy.path('/Users/alice/Work/./a/../b', 'write', mac).decision).toBe('allow');
    expect(policy.path('/../../Users/alice/Work/x', 'read', mac).rule.kind).toBe('invalid_path');
    expect(policy.path('Work/x', 'read', mac).rule.kind).toBe('invalid_path');
    expect(policy.path('/USERS/ALICE/work//X', 'write', mac).decision).toBe('allow');
    expect(policy.path('c:\\users\\ALICE\\work\\x', 'write', win).decision).toBe('allow');
    expect(policy.path('/home/alice/work/x', 'write', linux).decision).toBe('deny');
    expect(policy.path('/home/alice/Work/x', 'write', linux).decision).toBe('allow');
    expect(policy.path('~/Work/x', 'write', mac).decision).toBe('allow');
  });

  it('keeps the ceiling above every role', () => {
    expect(policy.path('/Users/alice/notes.txt', 'read', mac).decision).toBe('deny');
    expect(policy.path('/Users/alice', 'read', mac).rule).toMatchObject({
      kind: 'ceiling',
      detail: '~',
    });
    expect(policy.path('/Users/alice/Desktop/notes/a', 'read', mac).rule).toMatchObject({
      kind: 'ceiling',
      detail: '~/Desktop',
    });
    expect(policy.path('/users/alice/desktop/NOTES/a', 'read', mac).decision).toBe('deny');
    expect(policy.path('C:\\Users\\alice\\OneDrive\\a', 'read', win).rule.kind).toBe('ceiling');
    expect(
      policy.path('/Users/alice/Library/Mobile Documents/com~apple~CloudDocs/a', 'read', mac).rule
        .kind,
    ).toBe('ceiling');
  });

  it('forbids the credential stores of common tools by default', () => {
    for (const store of ['.ssh', '.aws', '.config/gcloud', '.kube', '.gnupg']) {
      expect(policy.path(`/srv/../home/alice/${store}/key`, 'read', linux).rule).toMatchObject({
        kind: 'ceiling',
        detail: `~/${store}`,
      });
    }
  });

  it('applies rules written as absolute paths to the paths in the home too', () => {
    const absolute = engine({
      grants: [
        {
          role: role({
            id: 'a',
            capabilities: ['agent'],
            folderRoots: [
              { pattern: '/home', access: 'read' },
              { pattern: '~/Work', access: 'read_write' },
            ],
          }),
          via: { kind: 'user' },
        },
      ],
      ceiling: { extra: [{ id: 'payroll', pattern: '/home/alice/Work/hr', scope: 'subtree' }] },
    });
    // A grant of /home covers the person's home (where the ceiling does not forbid it).
    expect(absolute.path('/home/alice/Projects/a.md', 'read', linux)).toMatchObject({
      decision: 'allow',
      rule: { detail: '/home (read-only)' },
    });
    expect(absolute.path('~/Projects/a.md', 'write', linux).decision).toBe('deny');
    // A forbidden place written absolute inside a `~` grant is forbidden, however the path is
    // written, file by file and through a granted folder's scope.
    for (const path of ['/home/alice/Work/hr/pay.txt', '~/Work/hr/pay.txt']) {
      expect(absolute.path(path, 'read', linux)).toMatchObject({
        decision: 'deny',
        rule: { id: 'ceiling:payroll' },
      });
    }
    const work = absolute.folderScope('/home/alice/Work', linux)!;
    expect(work.decide('hr/pay.txt', 'read')).toMatchObject({
      decision: 'deny',
      rule: { id: 'ceiling:payroll' },
    });
    expect(work.decide('plan.md', 'write')!.decision).toBe('allow');
    expect(absolute.folderScope('~', linux)!.decide('Work/hr/x', 'read')!.decision).toBe('deny');
    expect(absolute.path('/home/alice/Work/plan.md', 'write', linux).decision).toBe('allow');
  });

  it('lists what is forbidden or read-only below a folder, placed in the home', () => {
    const below = engine({
      grants: [
        {
          role: role({
            id: 'b',
            capabilities: ['agent'],
            folderRoots: [
              { pattern: '/srv/share', access: 'read' },
              { pattern: '/srv/share/drop', access: 'read_write' },
              { pattern: '~/Work', access: 'read_write' },
            ],
          }),
          via: { kind: 'user' },
        },
      ],
      ceiling: { extra: [{ id: 'hr', pattern: '~/Work/hr', scope: 'subtree' }] },
    });
    expect(below.ruledBelow('/home/alice/Work', linux)).toEqual([
      {
        location: '/home/alice/Work/hr',
        readable: false,
        rule: expect.objectContaining({ id: 'ceiling:hr' }),
      },
    ]);
    // Below a read-only root, a read-write root is no restriction; the home's default ceiling
    // entries lie below `/home`, the home itself (forbidden as a folder only) is not listed.
    expect(below.ruledBelow('/srv/share', linux)).toEqual([]);
    expect(below.ruledBelow('/home', linux).map((ruled) => ruled.location)).toEqual(
      expect.arrayContaining(['/home/alice/.ssh', '/home/alice/Downloads', '/home/alice/Work/hr']),
    );
    expect(below.ruledBelow('/home', linux).map((ruled) => ruled.location)).not.toContain(
      '/home/alice',
    );
  });

  it('applies the default ceiling when the source is missing and honours switched-off defaults', () => {
    const downloads = role({
      id: 'd',
      capabilities: ['agent'],
      folderRoots: [{ pattern: '~/Downloads/inbox', access: 'read' }],
    });
    const grants = [{ role: downloads, via: { kind: 'user' as const } }];
    expect(
      engine({ grants, ceiling: {} }).path('/Users/alice/Downloads/inbox/a', 'read', mac).decision,
    ).toBe('deny');
    expect(
      engine({ grants, ceiling: { disabledDefaults: ['downloads'] } }).path(
        '/Users/alice/Downloads/inbox/a',
        'read',
        mac,
      ).decision,
    ).toBe('allow');
  });
});
