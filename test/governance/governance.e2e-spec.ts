import path from 'node:path';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import type { UserWrite } from '../../apps/admin-api/src/modules/directory/directory.types';
import { PolicyCompiler } from '../../apps/admin-api/src/modules/governance/policy-compiler.service';
import { SpendLimitsService } from '../../apps/admin-api/src/modules/spend/spend-limits.service';
import { GOVERNANCE_CHANGED_CHANNEL } from '../../apps/admin-api/src/modules/governance/governance.types';
import type { GovernanceChanged } from '../../apps/admin-api/src/modules/governance/governance.types';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { EVENT_BUS } from '../../apps/admin-api/src/platform/redis/event-bus';
import type { EventBus } from '../../apps/admin-api/src/platform/redis/event-bus';
import type { AdminSession } from '../support/admin-session';
import { graphql, signInAdmin } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';

const TINY_SERVER = path.join(__dirname, 'tiny-mcp-server.cjs');
const system = { type: 'system' as const };

function userWrite(userName: string, active = true): UserWrite {
  const none = null;
  return {
    userName,
    externalId: none,
    active,
    displayName: userName,
    nickName: none,
    profileUrl: none,
    title: none,
    userType: none,
    preferredLanguage: none,
    locale: none,
    timezone: none,
    formattedName: none,
    familyName: none,
    givenName: none,
    middleName: none,
    honorificPrefix: none,
    honorificSuffix: none,
    addresses: none,
    employeeNumber: none,
    costCenter: none,
    enterpriseOrg: none,
    division: none,
    department: none,
    managerValue: none,
    managerRef: none,
    managerDisplay: none,
    emails: [],
    phoneNumbers: [],
  };
}

const ROLE_FIELDS = `id name capabilities bindings { id subjectType subjectId }
  connectorRules { connectorId connectorName read write toolOverrides { tool decision } }
  folderRoots { pattern access os }`;
const CONNECTOR_FIELDS = `id name catalogueHash approvedHash drift serverImport
  tools { name kind kindOverride readOnlyHint destructiveHint destructive status }`;
const EXPLAIN_FIELDS =
  'decision toolKind ruleId ruleKind explanation role { id name } group { id name }';

interface Org {
  id: string;
  admin: AdminSession;
  alice: string;
  bob: string;
  carol: string;
  sales: string;
}

describe('governance (GraphQL)', () => {
  let api: TestApi;
  let messages: GovernanceChanged[];
  let unsubscribe: () => void;

  beforeAll(async () => {
    // Opted in: these tests import from a real stdio MCP server run on the test host (the default,
    // off, is tested in stdio-import.e2e-spec.ts).
    api = await startTestApi({ STEWARD_ALLOW_STDIO_IMPORT: 'true' });
    messages = [];
    unsubscribe = await api.app
      .get<EventBus>(EVENT_BUS)
      .subscribe(GOVERNANCE_CHANGED_CHANNEL, (message) => messages.push(JSON.parse(message)));
  });
  afterAll(async () => {
    unsubscribe();
    await api.close();
  });

  async function organization(name: string): Promise<Org> {
    const org = await api.get(OrganizationsService).create(name, { type: 'operator' });
    const directory = api.get(DirectoryService);
    const suffix = Math.random().toString(36).slice(2, 8);
    const alice = await directory.createUser(
      org.id,
      userWrite(`alice-${suffix}@example.com`),
      system,
    );
    const bob = await directory.createUser(org.id, userWrite(`bob-${suffix}@example.com`), system);
    const carol = await directory.createUser(
      org.id,
      userWrite(`carol-${suffix}@example.com`),
      system,
    );
    const sales = await directory.createGroup(
      org.id,
      { displayName: 'Sales', externalId: null, memberIds: [alice.id, bob.id] },
      system,
    );
    return {
      id: org.id,
      admin: await signInAdmin(api, org.id, 'admin'),
      alice: alice.id,
      bob: bob.id,
      carol: carol.id,
      sales: sales.id,
    };
  }

  async function ok<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
    session: AdminSession,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const result = await graphql<T>(api, session, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data!;
  }

  async function errorCode(
    session: AdminSession,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<string | undefined> {
    const result = await graphql(api, session, query, variables);
    return result.errors?.[0]?.extensions?.code;
  }

  async function stdioConnector(org: Org, variant = 'v1'): Promise<string> {
    const { createConnector } = await ok(
      org.admin,
      `mutation($input: ConnectorInput!) { createConnector(input: $input) { id } }`,
      {
        input: {
          name: 'crm',
          transport: 'stdio',
          command: process.execPath,
          args: [TINY_SERVER, variant],
          version: '1.0.0',
        },
      },
    );
    return createConnector.id;
  }

  it('imports a catalogue from a real MCP server, classifies it, and holds drift at ask until approved', async () => {
    const org = await organization('Catalogue Co');
    const connectorId = await stdioConnector(org);
    const imported = await ok(
      org.admin,
      `mutation($id: ID!) { importConnectorTools(id: $id) { added changed removed connector { ${CONNECTOR_FIELDS} } } }`,
      { id: connectorId },
    );
    expect(imported.importConnectorTools.added.sort()).toEqual([
      'delete_contact',
      'search_contacts',
      'send_email',
    ]);
    const tools = Object.fromEntries(
      imported.importConnectorTools.connector.tools.map((tool: { name: string }) => [
        tool.name,
        tool,
      ]),
    );
    expect(tools.search_contacts).toMatchObject({
      kind: 'read',
      readOnlyHint: true,
      destructive: false,
      status: 'new',
    });
    expect(tools.send_email).toMatchObject({
      kind: 'write',
      destructiveHint: false,
      destructive: false,
    });
    expect(tools.delete_contact).toMatchObject({
      kind: 'write',
      destructiveHint: null,
      destructive: true,
    });
    expect(imported.importConnectorTools.connector.drift).toBe(true);
    expect(imported.importConnectorTools.connector.serverImport).toBe(true);

    const { createRole } = await ok(
      org.admin,
      `mutation($input: RoleInput!) { createRole(input: $input) { ${ROLE_FIELDS} } }`,
      {
        input: {
          name: 'Sales',
          capabilities: ['agent', 'connectors'],
          connectorRules: [
            {
              connectorId,
              read: 'allow',
              write: 'allow',
              toolOverrides: [{ tool: 'delete_contact', decision: 'deny' }],
            },
          ],
        },
      },
    );
    await ok(
      org.admin,
      `mutation($role: ID!, $group: ID!) { bindRole(roleId: $role, subjectType: group, subjectId: $group) { id } }`,
      { role: createRole.id, group: org.sales },
    );
    const explain = (tool: string) =>
      ok(
        org.admin,
        `query($user: ID!, $tool: String!) { explainTool(userId: $user, connector: "crm", tool: $tool) { ${EXPLAIN_FIELDS} } }`,
        { user: org.alice, tool },
      ).then((data) => data.explainTool);

    expect(await explain('send_email')).toMatchObject({ decision: 'ask', ruleKind: 'drift' });
    expect(await explain('delete_contact')).toMatchObject({
      decision: 'deny',
      ruleKind: 'tool_override',
      role: { name: 'Sales' },
      group: { id: org.sales, name: 'Sales' },
    });

    const hash = imported.importConnectorTools.connector.catalogueHash;
    const approved = await ok(
      org.admin,
      `mutation($id: ID!, $hash: String!) { approveConnectorCatalogue(id: $id, catalogueHash: $hash) { ${CONNECTOR_FIELDS} } }`,
      { id: connectorId, hash },
    );
    expect(approved.approveConnectorCatalogue).toMatchObject({ approvedHash: hash, drift: false });
    expect(await explain('send_email')).toMatchObject({
      decision: 'allow',
      toolKind: 'write',
      ruleKind: 'connector_rule',
      group: { name: 'Sales' },
    });

    // The server changes: send_email turns read-only, export_all appears.
    await ok(
      org.admin,
      `mutation($id: ID!, $input: ConnectorInput!) { updateConnector(id: $id, input: $input) { id } }`,
      {
        id: connectorId,
        input: {
          name: 'crm',
          transport: 'stdio',
          command: process.execPath,
          args: [TINY_SERVER, 'v2'],
          version: '1.1.0',
        },
      },
    );
    const reimported = await ok(
      org.admin,
      `mutation($id: ID!) { importConnectorTools(id: $id) { added changed removed connector { ${CONNECTOR_FIELDS} } } }`,
      { id: connectorId },
    );
    expect(reimported.importConnectorTools).toMatchObject({
      added: ['export_all'],
      changed: ['send_email'],
      removed: [],
    });
    expect(reimported.importConnectorTools.connector.drift).toBe(true);
    expect(await explain('send_email')).toMatchObject({ decision: 'ask', ruleKind: 'drift' });
    expect(await explain('export_all')).toMatchObject({ decision: 'ask', ruleKind: 'drift' });
    expect(await explain('search_contacts')).toMatchObject({ decision: 'allow' });
    expect(await explain('not_a_tool')).toMatchObject({
      decision: 'deny',
      ruleKind: 'tool_not_in_catalogue',
    });

    // Approving what the admin saw before the re-import is refused.
    expect(
      await errorCode(
        org.admin,
        `mutation($id: ID!, $hash: String!) { approveConnectorCatalogue(id: $id, catalogueHash: $hash) { id } }`,
        { id: connectorId, hash },
      ),
    ).toBe('CONFLICT');

    // An admin override reclassifies a tool.
    const overridden = await ok(
      org.admin,
      `mutation($id: ID!) { setConnectorToolKind(id: $id, tool: "search_contacts", kind: write) { ${CONNECTOR_FIELDS} } }`,
      { id: connectorId },
    );
    expect(
      overridden.setConnectorToolKind.tools.find(
        (t: { name: string }) => t.name === 'search_contacts',
      ),
    ).toMatchObject({
      kind: 'write',
      kindOverride: 'write',
    });

    const audit = await api.prisma.auditEvent.findMany({
      where: { organizationId: org.id, action: { startsWith: 'governance.' } },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((row) => row.action)).toEqual([
      'governance.connector.created',
      'governance.connector.imported',
      'governance.role.created',
      'governance.role.bound',
      'governance.connector.approved',
      'governance.connector.updated',
      'governance.connector.imported',
      'governance.connector.tool_classified',
    ]);
  });

  it('imports an uploaded catalogue and rejects malformed ones', async () => {
    const org = await organization('Upload Co');
    const connectorId = await stdioConnector(org);
    const uploaded = await ok(
      org.admin,
      `mutation($id: ID!, $json: String!) { uploadConnectorTools(id: $id, catalogue: $json) { added connector { ${CONNECTOR_FIELDS} } } }`,
      {
        id: connectorId,
        json: JSON.stringify({
          tools: [{ name: 'list', annotations: { readOnlyHint: true } }, { name: 'wipe' }],
        }),
      },
    );
    expect(uploaded.uploadConnectorTools.added).toEqual(['list', 'wipe']);
    expect(
      await errorCode(
        org.admin,
        `mutation($id: ID!) { uploadConnectorTools(id: $id, catalogue: "{\\"tools\\": 3}") { added } }`,
        {
          id: connectorId,
        },
      ),
    ).toBe('BAD_USER_INPUT');
  });

  it('binds roles to groups and users, signals exactly the affected users, and explains paths', async () => {
    const org = await organization('Bindings Co');
    const { createRole } = await ok(
      org.admin,
      `mutation($input: RoleInput!) { createRole(input: $input) { ${ROLE_FIELDS} } }`,
      {
        input: {
          name: 'Writers',
          capabilities: ['agent', 'shell'],
          folderRoots: [
            { pattern: '~/Work', access: 'read_write' },
            { pattern: '~/Desktop/notes', access: 'read_write' },
          ],
        },
      },
    );
    expect(
      await errorCode(
        org.admin,
        `mutation { createRole(input: { name: "Bad", capabilities: ["agent", "telepathy"] }) { id } }`,
      ),
    ).toBe('BAD_USER_INPUT');
    expect(
      await errorCode(org.admin, `mutation { createRole(input: { name: "Writers" }) { id } }`),
    ).toBe('CONFLICT');

    messages.length = 0;
    const { bindRole } = await ok(
      org.admin,
      `mutation($role: ID!, $group: ID!) { bindRole(roleId: $role, subjectType: group, subjectId: $group) { id } }`,
      { role: createRole.id, group: org.sales },
    );
    await ok(
      org.admin,
      `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
      { role: createRole.id, user: org.carol },
    );
    expect(messages).toEqual([
      { organizationId: org.id, userIds: [org.alice, org.bob].sort() },
      { organizationId: org.id, userIds: [org.carol] },
    ]);

    const explainPath = (user: string, path: string, access: string) =>
      ok(
        org.admin,
        `query($user: ID!, $path: String!, $access: FileAccess!) {
          explainPath(userId: $user, path: $path, access: $access, os: macos, home: "/Users/x") { ${EXPLAIN_FIELDS} } }`,
        { user, path, access },
      ).then((data) => data.explainPath);
    expect(await explainPath(org.bob, '~/Work/plan.md', 'write')).toMatchObject({
      decision: 'allow',
      role: { name: 'Writers' },
      group: { name: 'Sales' },
    });
    expect(await explainPath(org.carol, '/Users/x/Work/plan.md', 'write')).toMatchObject({
      decision: 'allow',
      group: null,
    });
    expect(await explainPath(org.bob, '~/Desktop/notes/a.md', 'read')).toMatchObject({
      decision: 'deny',
      ruleKind: 'ceiling',
    });
    expect(await explainPath(org.bob, '~/Work/../.ssh/id_rsa', 'read')).toMatchObject({
      decision: 'deny',
    });

    // Simulating an edit: drop shell, make ~/Work read-only; Alice, Bob and Carol all change.
    const simulated = await ok(
      org.admin,
      `query($role: ID!, $draft: RoleInput) { simulateRoleChange(roleId: $role, draft: $draft) {
        userId capabilitiesGained capabilitiesLost folders { os location before after } } }`,
      {
        role: createRole.id,
        draft: {
          name: 'Writers',
          capabilities: ['agent', 'web'],
          folderRoots: [{ pattern: '~/Work', access: 'read' }],
        },
      },
    );
    expect(simulated.simulateRoleChange.map((c: { userId: string }) => c.userId).sort()).toEqual(
      [org.alice, org.bob, org.carol].sort(),
    );
    expect(simulated.simulateRoleChange[0]).toMatchObject({
      capabilitiesGained: ['web'],
      capabilitiesLost: ['shell'],
    });
    expect(simulated.simulateRoleChange[0].folders).toContainEqual({
      os: 'macos',
      location: '~/work',
      before: 'read-write',
      after: 'read',
    });
    // Nothing was saved.
    expect(await explainPath(org.bob, '~/Work/plan.md', 'write')).toMatchObject({
      decision: 'allow',
    });

    // Deactivating Bob takes everything away.
    await api
      .get(DirectoryService)
      .updateUser(
        org.id,
        org.bob,
        (current) => ({ ...userWrite(current.userName), active: false }),
        system,
      );
    expect(await explainPath(org.bob, '~/Work/plan.md', 'read')).toMatchObject({
      decision: 'deny',
      ruleKind: 'user_inactive',
    });
    const bobPolicy = await api.get(PolicyCompiler).compileForUser(org.id, org.bob);
    expect(bobPolicy).toMatchObject({ active: false, capabilities: {} });

    messages.length = 0;
    await ok(org.admin, `mutation($id: ID!) { unbindRole(bindingId: $id) }`, { id: bindRole.id });
    await ok(
      org.admin,
      `mutation { setAutoApprovePlansAllowed(allowed: true) { autoApprovePlansAllowed } }`,
    );
    expect(messages).toEqual([
      { organizationId: org.id, userIds: [org.alice, org.bob].sort() },
      { organizationId: org.id, userIds: 'all' },
    ]);
  });

  it('simulates draft bindings: who gains or loses what if a role were bound to other subjects', async () => {
    const org = await organization('Draft Bindings Co');
    const { createRole } = await ok(
      org.admin,
      `mutation($input: RoleInput!) { createRole(input: $input) { id } }`,
      {
        input: {
          name: 'Writers',
          capabilities: ['agent', 'shell'],
          folderRoots: [
            { pattern: '~/Work', access: 'read_write' },
            { pattern: '~/Desktop/notes', access: 'read_write' },
          ],
        },
      },
    );
    await ok(
      org.admin,
      `mutation($role: ID!, $group: ID!) { bindRole(roleId: $role, subjectType: group, subjectId: $group) { id } }`,
      { role: createRole.id, group: org.sales },
    );
    await ok(
      org.admin,
      `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
      { role: createRole.id, user: org.carol },
    );

    // Simulating draft bindings: the role as it is, bound to other subjects.
    const simulateBindings = (role: string, draft: unknown, bindings: unknown) =>
      graphql<{
        simulateRoleChange: {
          userId: string;
          capabilitiesGained: string[];
          capabilitiesLost: string[];
        }[];
      }>(
        api,
        org.admin,
        `
          query ($role: ID!, $draft: RoleInput, $bindings: [RoleBindingInput!]) {
            simulateRoleChange(roleId: $role, draft: $draft, bindings: $bindings) {
              userId
              capabilitiesGained
              capabilitiesLost
            }
          }
        `,
        { role, draft, bindings },
      );
    const writers = {
      name: 'Writers',
      capabilities: ['agent', 'shell'],
      folderRoots: [
        { pattern: '~/Work', access: 'read_write' },
        { pattern: '~/Desktop/notes', access: 'read_write' },
      ],
    };
    // Unbinding Carol (Sales stays): only Carol changes.
    expect(
      (
        await simulateBindings(createRole.id, writers, [
          { subjectType: 'group', subjectId: org.sales },
        ])
      ).data?.simulateRoleChange,
    ).toEqual([
      { userId: org.carol, capabilitiesGained: [], capabilitiesLost: ['agent', 'shell'] },
    ]);
    // Carol only, listed twice: Alice and Bob lose the role they hold through Sales.
    const carolOnly = await simulateBindings(createRole.id, writers, [
      { subjectType: 'user', subjectId: org.carol },
      { subjectType: 'user', subjectId: org.carol },
    ]);
    expect(carolOnly.data?.simulateRoleChange.map((c) => c.userId)).toEqual(
      [org.alice, org.bob].sort(),
    );
    // A role nobody holds yet, bound to Sales in the draft: its members gain, Carol does not.
    const { createRole: readers } = await ok(
      org.admin,
      `mutation { createRole(input: { name: "Browsers", capabilities: ["agent", "web"] }) { id } }`,
    );
    const gained = await simulateBindings(
      readers.id,
      { name: 'Browsers', capabilities: ['agent', 'web'] },
      [{ subjectType: 'group', subjectId: org.sales }],
    );
    expect(gained.data?.simulateRoleChange).toEqual(
      [org.alice, org.bob].sort().map((userId) => ({
        userId,
        capabilitiesGained: ['web'],
        capabilitiesLost: [],
      })),
    );
    // A draft combines both: Browsers without web, bound to Carol directly.
    expect(
      (
        await simulateBindings(
          readers.id,
          { name: 'Browsers', capabilities: ['agent', 'shell', 'computer_use'] },
          [{ subjectType: 'user', subjectId: org.carol }],
        )
      ).data?.simulateRoleChange,
    ).toEqual([{ userId: org.carol, capabilitiesGained: ['computer_use'], capabilitiesLost: [] }]);
    expect(
      (await simulateBindings(readers.id, null, [{ subjectType: 'user', subjectId: org.carol }]))
        .errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    expect(
      (
        await simulateBindings(readers.id, { name: 'Browsers' }, [
          { subjectType: 'group', subjectId: '00000000-0000-4000-8000-000000000000' },
        ])
      ).errors?.[0]?.extensions?.code,
    ).toBe('NOT_FOUND');
  });

  it('edits the folder ceiling: defaults on, switchable, extra entries', async () => {
    const org = await organization('Ceiling Co');
    const { governanceSettings } = await ok(
      org.admin,
      `{ governanceSettings { autoApprovePlansAllowed ceiling { id pattern scope builtIn enabled } } }`,
    );
    expect(
      governanceSettings.ceiling
        .filter((e: { enabled: boolean }) => e.enabled)
        .map((e: { id: string }) => e.id),
    ).toEqual(
      expect.arrayContaining([
        'home',
        'desktop',
        'downloads',
        'icloud-drive',
        'dropbox',
        'onedrive',
        'google-drive',
      ]),
    );
    const off = await ok(
      org.admin,
      `mutation { setCeilingDefaultEnabled(id: "downloads", enabled: false) { ceiling { id enabled } } }`,
    );
    expect(
      off.setCeilingDefaultEnabled.ceiling.find((e: { id: string }) => e.id === 'downloads')
        .enabled,
    ).toBe(false);
    const added = await ok(
      org.admin,
      `mutation { addCeilingEntry(input: { pattern: "/Volumes/Secret", description: "secret volume" }) { ceiling { id pattern builtIn os } } }`,
    );
    const extra = added.addCeilingEntry.ceiling.find((e: { builtIn: boolean }) => !e.builtIn);
    expect(extra).toMatchObject({ pattern: '/Volumes/Secret', os: ['macos', 'linux'] });
    expect(
      await errorCode(
        org.admin,
        `mutation { addCeilingEntry(input: { pattern: "relative/path" }) { autoApprovePlansAllowed } }`,
      ),
    ).toBe('BAD_USER_INPUT');
    await ok(
      org.admin,
      `mutation($id: ID!) { removeCeilingEntry(id: $id) { autoApprovePlansAllowed } }`,
      { id: extra.id },
    );
  });

  it('edits the web host list: normalised, non-hosts refused, compiled only with web access', async () => {
    const org = await organization('Network Co');
    const { setWebAllowedHosts } = await ok(
      org.admin,
      `mutation { setWebAllowedHosts(hosts: [" PyPI.org ", "*.example.com", "pypi.org"]) { webAllowedHosts } }`,
    );
    expect(setWebAllowedHosts.webAllowedHosts).toEqual(['*.example.com', 'pypi.org']);
    for (const bad of ['https://evil.example', 'evil.example:443', '*', 'evil.example/path']) {
      expect(
        await errorCode(
          org.admin,
          `mutation($hosts: [String!]!) { setWebAllowedHosts(hosts: $hosts) { webAllowedHosts } }`,
          { hosts: [bad] },
        ),
      ).toBe('BAD_USER_INPUT');
    }
    const auditor = await signInAdmin(api, org.id, 'auditor');
    expect(
      await errorCode(auditor, `mutation { setWebAllowedHosts(hosts: []) { webAllowedHosts } }`),
    ).toBe('FORBIDDEN');

    const { createRole } = await ok(
      org.admin,
      `mutation($input: RoleInput!) { createRole(input: $input) { id } }`,
      { input: { name: 'Researchers', capabilities: ['agent', 'shell', 'web'] } },
    );
    await ok(
      org.admin,
      `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
      { role: createRole.id, user: org.alice },
    );
    const governance = api.get(PolicyCompiler);
    expect((await governance.compileForUser(org.id, org.alice)).network).toEqual({
      hosts: ['*.example.com', 'pypi.org'],
    });
    expect((await governance.compileForUser(org.id, org.bob)).network).toEqual({ hosts: [] });
  });

  it('defines spend limits as exact decimals, lists those applying to a user, and enforces admin roles', async () => {
    const org = await organization('Spend Co');
    const team = await ok(
      org.admin,
      `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id amountUsd period enforcement alertThresholds } }`,
      {
        input: {
          subjectType: 'group',
          subjectId: org.sales,
          amountUsd: '1234.567891',
          period: 'month',
          enforcement: 'hard',
          alertThresholds: [90, 50, 75],
        },
      },
    );
    expect(team.createSpendLimit).toMatchObject({
      amountUsd: '1234.567891',
      alertThresholds: [50, 75, 90],
    });
    await ok(
      org.admin,
      `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
      {
        input: {
          subjectType: 'user',
          subjectId: org.alice,
          amountUsd: '20',
          period: 'day',
          enforcement: 'soft',
        },
      },
    );
    expect(
      await errorCode(
        org.admin,
        `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
        {
          input: {
            subjectType: 'user',
            subjectId: org.alice,
            amountUsd: '0.1e3',
            period: 'week',
            enforcement: 'soft',
          },
        },
      ),
    ).toBe('BAD_USER_INPUT');
    // A second limit of one subject and period is a conflict, and changes nothing.
    expect(
      await errorCode(
        org.admin,
        `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
        {
          input: {
            subjectType: 'user',
            subjectId: org.alice,
            amountUsd: '30',
            period: 'day',
            enforcement: 'hard',
          },
        },
      ),
    ).toBe('CONFLICT');

    const limits = await api.get(SpendLimitsService).forUser(org.id, org.alice);
    expect(
      limits.map((limit) => [limit.subjectType, limit.amountUsd.toFixed(), limit.timeZone]).sort(),
    ).toEqual([
      ['group', '1234.567891', 'UTC'],
      ['user', '20', 'UTC'],
    ]);
    expect(await api.get(SpendLimitsService).forUser(org.id, org.carol)).toEqual([]);

    const billing = await signInAdmin(api, org.id, 'billing');
    const auditor = await signInAdmin(api, org.id, 'auditor');
    expect((await ok(billing, `{ spendLimits { id } }`)).spendLimits).toHaveLength(2);
    expect(await errorCode(billing, `{ roles { id } }`)).toBe('FORBIDDEN');
    expect(await errorCode(auditor, `mutation { createRole(input: { name: "x" }) { id } }`)).toBe(
      'FORBIDDEN',
    );
    expect((await ok(auditor, `{ roles { id } }`)).roles).toEqual([]);
  });

  it('keeps every resolver inside the admin’s organization', async () => {
    const a = await organization('Isolation A');
    const b = await organization('Isolation B');
    const connectorId = await stdioConnector(a);
    const { createRole } = await ok(
      a.admin,
      `mutation($input: RoleInput!) { createRole(input: $input) { id } }`,
      { input: { name: 'A role', capabilities: ['agent'] } },
    );
    const { bindRole } = await ok(
      a.admin,
      `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
      { role: createRole.id, user: a.alice },
    );
    const { createSpendLimit } = await ok(
      a.admin,
      `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
      {
        input: {
          subjectType: 'user',
          subjectId: a.alice,
          amountUsd: '5',
          period: 'day',
          enforcement: 'hard',
        },
      },
    );
    const added = await ok(
      a.admin,
      `mutation { addCeilingEntry(input: { pattern: "~/Secret" }) { ceiling { id builtIn } } }`,
    );
    const ceilingId = added.addCeilingEntry.ceiling.find(
      (e: { builtIn: boolean }) => !e.builtIn,
    ).id;
    const roleInput = {
      name: 'stolen',
      connectorRules: [{ connectorId, read: 'allow', write: 'allow' }],
    };
    const connectorInput = { name: 'crm', transport: 'stdio', command: 'node', version: '1' };
    const limitInput = {
      subjectType: 'user',
      subjectId: a.alice,
      amountUsd: '5',
      period: 'week',
      enforcement: 'hard',
    };

    const attempts: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { role(id: $id) { id } }`, { id: createRole.id }],
      [
        `mutation($id: ID!) { updateRole(id: $id, input: { name: "x" }) { id } }`,
        { id: createRole.id },
      ],
      [`mutation($id: ID!) { deleteRole(id: $id) }`, { id: createRole.id }],
      [
        `mutation($id: ID!, $u: ID!) { bindRole(roleId: $id, subjectType: user, subjectId: $u) { id } }`,
        { id: createRole.id, u: b.alice },
      ],
      [
        `mutation($g: ID!, $u: ID!) { bindRole(roleId: $g, subjectType: user, subjectId: $u) { id } }`,
        { g: createRole.id, u: a.alice },
      ],
      [`mutation($id: ID!) { unbindRole(bindingId: $id) }`, { id: bindRole.id }],
      [`mutation($input: RoleInput!) { createRole(input: $input) { id } }`, { input: roleInput }],
      [`query($id: ID!) { connector(id: $id) { id } }`, { id: connectorId }],
      [
        `mutation($id: ID!, $input: ConnectorInput!) { updateConnector(id: $id, input: $input) { id } }`,
        { id: connectorId, input: connectorInput },
      ],
      [`mutation($id: ID!) { deleteConnector(id: $id) }`, { id: connectorId }],
      [`mutation($id: ID!) { importConnectorTools(id: $id) { added } }`, { id: connectorId }],
      [
        `mutation($id: ID!) { uploadConnectorTools(id: $id, catalogue: "[]") { added } }`,
        { id: connectorId },
      ],
      [
        `mutation($id: ID!) { setConnectorToolKind(id: $id, tool: "x", kind: read) { id } }`,
        { id: connectorId },
      ],
      [
        `mutation($id: ID!) { approveConnectorCatalogue(id: $id, catalogueHash: "x") { id } }`,
        { id: connectorId },
      ],
      [
        `mutation($id: ID!) { removeCeilingEntry(id: $id) { autoApprovePlansAllowed } }`,
        { id: ceilingId },
      ],
      [
        `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
        { input: limitInput },
      ],
      [
        `mutation($id: ID!, $input: SpendLimitInput!) { updateSpendLimit(id: $id, input: $input) { id } }`,
        { id: createSpendLimit.id, input: { ...limitInput, subjectId: b.alice } },
      ],
      [`mutation($id: ID!) { deleteSpendLimit(id: $id) }`, { id: createSpendLimit.id }],
      [
        `query($u: ID!) { explainTool(userId: $u, connector: "crm", tool: "x") { decision } }`,
        { u: a.alice },
      ],
      [
        `query($u: ID!) { explainPath(userId: $u, path: "~/Work", access: read, os: linux) { decision } }`,
        { u: a.alice },
      ],
      [
        `query($u: ID!) { explainCapability(userId: $u, capability: "agent") { decision } }`,
        { u: a.alice },
      ],
      [
        `query($id: ID!) { simulateRoleChange(roleId: $id, draft: null) { userId } }`,
        { id: createRole.id },
      ],
    ];
    for (const [query, variables] of attempts) {
      expect([query, await errorCode(b.admin, query, variables)]).toEqual([query, 'NOT_FOUND']);
    }
    // B's lists never show A's rows.
    const lists = await ok(
      b.admin,
      `{ roles { id } connectorList { id } spendLimits { id } governanceSettings { ceiling { builtIn } } }`,
    );
    expect(lists.roles).toEqual([]);
    expect(lists.connectorList).toEqual([]);
    expect(lists.spendLimits).toEqual([]);
    expect(lists.governanceSettings.ceiling.every((e: { builtIn: boolean }) => e.builtIn)).toBe(
      true,
    );
    // And A's data is intact.
    expect(
      (
        await ok(a.admin, `query($id: ID!) { role(id: $id) { bindings { id } } }`, {
          id: createRole.id,
        })
      ).role.bindings,
    ).toHaveLength(1);
  });
});
