import { compilePolicy } from './compile';
import type { PolicySources, RoleSource } from './model';
import { isWebHost } from './network';

function sources(capabilities: string[], extra: Partial<PolicySources> = {}): PolicySources {
  const role: RoleSource = {
    id: 'role-1',
    name: 'Analysts',
    capabilities,
    connectorRules: [{ connector: 'crm', read: 'allow', write: 'deny' }],
    folderRoots: [],
  };
  return {
    user: { id: 'user-1', active: true },
    grants: [{ role, via: { kind: 'user' } }],
    connectors: [
      {
        name: 'crm',
        transport: 'stdio',
        command: '/opt/crm/bin/mcp',
        args: ['--stdio'],
        version: '2.4.0',
        tools: [{ name: 'lookup', kind: 'read', destructive: false, approved: true }],
      },
      {
        name: 'docs',
        transport: 'streamable_http',
        url: 'https://mcp.example.com/docs',
        version: '1.0.0',
        tools: [],
      },
      // No pinned version: nowhere to connect.
      { name: 'wiki', transport: 'streamable_http', url: 'https://wiki.example.com', tools: [] },
    ],
    network: { webHosts: ['pypi.org', '*.example.com', 'https://evil.example', '*', 'pypi.org'] },
    ...extra,
  };
}

describe('connector addresses and network hosts in the compiled policy', () => {
  it('carries the address and pinned version of each reachable connector', () => {
    expect(compilePolicy(sources(['agent', 'connectors'])).connectors).toEqual({
      crm: { transport: 'stdio', command: '/opt/crm/bin/mcp', args: ['--stdio'], version: '2.4.0' },
      docs: { transport: 'streamable_http', url: 'https://mcp.example.com/docs', version: '1.0.0' },
    });
  });

  it('names no connector address without the connectors capability or for a deactivated user', () => {
    expect(compilePolicy(sources(['agent'])).connectors).toEqual({});
    const inactive = sources(['agent', 'connectors']);
    inactive.user.active = false;
    expect(compilePolicy(inactive).connectors).toEqual({});
  });

  it('gives commands the host names on the list with web access, and no network without', () => {
    expect(compilePolicy(sources(['agent', 'web'])).network).toEqual({
      hosts: ['*.example.com', 'pypi.org'],
    });
    expect(compilePolicy(sources(['agent', 'shell'])).network).toEqual({ hosts: [] });
    expect(compilePolicy(sources(['web'])).network).toEqual({ hosts: [] });
    expect(compilePolicy(sources(['agent', 'web'], { network: undefined })).network).toEqual({
      hosts: [],
    });
  });

  it('accepts host names and *.domain only', () => {
    for (const host of ['example.com', '*.example.com', 'localhost', 'a-b.c0.io']) {
      expect(isWebHost(host)).toBe(true);
    }
    for (const host of [
      '*',
      '*.',
      'Example.com',
      'example.com:443',
      'https://example.com',
      'example.com/path',
      '-bad.com',
      'a..b',
      '*.*.com',
      'ex ample.com',
    ]) {
      expect(isWebHost(host)).toBe(false);
    }
  });
});
