import { compilePolicy, explainPolicy, PolicyEngine } from './index';

describe('explainPolicy', () => {
  it('puts every decision of a policy in words, with the rule that made it', () => {
    const policy = compilePolicy({
      user: { id: 'u1', active: true },
      grants: [
        {
          role: {
            id: 'r1',
            name: 'Analysts',
            capabilities: ['agent', 'connectors'],
            connectorRules: [{ connector: 'crm', read: 'allow', write: 'ask' }],
            folderRoots: [
              { pattern: '~/Work', access: 'read_write' },
              { pattern: '~/Shared', access: 'read' },
            ],
          },
          via: { kind: 'group', groupId: 'g1', groupName: 'Finance' },
        },
      ],
      connectors: [
        {
          name: 'crm',
          transport: 'stdio',
          command: 'crm-server',
          args: ['--fast'],
          version: '1.2.0',
          tools: [
            { name: 'search', kind: 'read', destructive: false, approved: true },
            { name: 'send_email', kind: 'write', destructive: true, approved: true },
          ],
        },
      ],
    });
    const explained = explainPolicy(new PolicyEngine(policy), 'linux');
    expect(explained.capabilities.find((c) => c.capability === 'agent')).toEqual({
      capability: 'agent',
      allowed: true,
      why: 'capability agent granted (role "Analysts" via group "Finance")',
    });
    expect(explained.capabilities.find((c) => c.capability === 'shell')).toMatchObject({
      allowed: false,
      why: 'no role grants the shell capability',
    });
    expect(explained.plans.mode).toBe('person');
    expect(explained.connectors).toEqual([
      {
        connector: 'crm',
        address: 'crm-server --fast',
        version: '1.2.0',
        tools: [
          expect.objectContaining({ tool: 'search', decision: 'allow', kind: 'read' }),
          expect.objectContaining({ tool: 'send_email', decision: 'ask', kind: 'write' }),
        ],
      },
    ]);
    const folders = Object.fromEntries(explained.folders.map((f) => [f.location, f.access]));
    expect(folders).toMatchObject({
      '~/Work': 'read and write',
      '~/Shared': 'read only',
      '~/Downloads': 'forbidden',
      '~': 'forbidden (the folder itself)',
    });
    expect(explained.networkHosts).toEqual([]);
  });
});
