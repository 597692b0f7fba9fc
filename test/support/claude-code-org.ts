import { execFile, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin, type AdminSession } from './admin-session';
import type { TestApi } from './api';

// The Steward side of the Claude Code end-to-end tests: an organization governing Alice, the
// runtime's command line, and waiting on side effects.

const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/apps/agent-runtime/src/main.js');
const FILESYSTEM_SERVER = path.join(
  ROOT,
  'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js',
);

export interface Governed {
  organizationId: string;
  aliceId: string;
  admin: AdminSession;
  enrolmentToken: string;
  analyticsKey: string;
  deactivateOverScim(): Promise<void>;
}

// Alice (from SCIM) holds a role with the agent and connectors, `grant` read-write with its
// private/ folder forbidden by the ceiling, and the filesystem MCP server: read allowed, write
// denied, list_directory asked.
export async function governedOrganization(
  api: TestApi,
  grant: string,
  options: { capabilities?: string[]; limitUsd?: string } = {},
): Promise<Governed> {
  const org = await api.get(OrganizationsService).create(`Claude Code ${Math.random()}`, {
    type: 'operator',
  });
  const issue = (type: 'scim' | 'enrolment' | 'analytics') =>
    api.get(CredentialsService).issue(org.id, type, { actor: { type: 'operator' } });
  const scim = await issue('scim');
  const scimCall = async (method: string, resource: string, body: unknown) => {
    const response = await fetch(`${api.url}/scim/v2/${resource}`, {
      method,
      headers: {
        authorization: `Bearer ${scim.secret}`,
        'content-type': 'application/scim+json',
      },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return (await response.json()) as { id: string };
  };
  const alice = await scimCall('POST', 'Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'alice@example.com',
    active: true,
  });
  const admin = await signInAdmin(api, org.id, 'admin');
  const call = async <T>(query: string, variables: Record<string, unknown> = {}) => {
    const result = await graphql<T>(api, admin, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data!;
  };
  const { createConnector } = await call<{ createConnector: { id: string } }>(
    'mutation($input: ConnectorInput!) { createConnector(input: $input) { id } }',
    {
      input: {
        name: 'fs',
        transport: 'stdio',
        command: process.execPath,
        args: [FILESYSTEM_SERVER, grant],
        version: '2026.8.31',
      },
    },
  );
  const tool = (name: string, readOnlyHint: boolean) => ({
    name,
    inputSchema: { type: 'object' },
    annotations: { readOnlyHint },
  });
  const catalogue = JSON.stringify({
    tools: [tool('read_text_file', true), tool('list_directory', true), tool('write_file', false)],
  });
  const uploaded = await call<{ uploadConnectorTools: { connector: { catalogueHash: string } } }>(
    'mutation($id: ID!, $json: String!) { uploadConnectorTools(id: $id, catalogue: $json) { connector { catalogueHash } } }',
    { id: createConnector.id, json: catalogue },
  );
  await call(
    'mutation($id: ID!, $hash: String!) { approveConnectorCatalogue(id: $id, catalogueHash: $hash) { id } }',
    { id: createConnector.id, hash: uploaded.uploadConnectorTools.connector.catalogueHash },
  );
  await call(
    'mutation($input: CeilingEntryInput!) { addCeilingEntry(input: $input) { autoApprovePlansAllowed } }',
    { input: { pattern: path.join(grant, 'private'), description: 'keys' } },
  );
  const { createRole } = await call<{ createRole: { id: string } }>(
    'mutation($input: RoleInput!) { createRole(input: $input) { id } }',
    {
      input: {
        name: 'Claude Code users',
        capabilities: options.capabilities ?? ['agent', 'connectors'],
        connectorRules: [
          {
            connectorId: createConnector.id,
            read: 'allow',
            write: 'deny',
            toolOverrides: [{ tool: 'list_directory', decision: 'ask' }],
          },
        ],
        folderRoots: [{ pattern: grant, access: 'read_write' }],
      },
    },
  );
  await call(
    'mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }',
    { role: createRole.id, user: alice.id },
  );
  await call('mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }', {
    input: {
      subjectType: 'user',
      subjectId: alice.id,
      period: 'day',
      amountUsd: options.limitUsd ?? '5',
      enforcement: 'hard',
      alertThresholds: [],
    },
  });
  await api.jobs.drain();
  return {
    organizationId: org.id,
    aliceId: alice.id,
    admin,
    enrolmentToken: (await issue('enrolment')).secret,
    analyticsKey: (await issue('analytics')).secret,
    async deactivateOverScim() {
      await scimCall('PATCH', `Users/${alice.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
    },
  };
}

export function runAgent(env: NodeJS.ProcessEnv, args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        stdout,
        stderr,
      }),
    );
  });
}

export function collect(child: ChildProcess): () => string {
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return () => output;
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
