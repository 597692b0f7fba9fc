import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { graphqlRolesAllowed, restRolesAllowed } from '../support/admin-roles';
import { startTestApi, TestApi } from '../support/api';

interface IntrospectedType {
  kind: string;
  name: string | null;
  ofType: IntrospectedType | null;
}
interface IntrospectedField {
  name: string;
  args: { name: string; type: IntrospectedType; defaultValue: string | null }[];
  type: IntrospectedType;
}
interface FullType {
  name: string;
  kind: string;
  enumValues: { name: string }[] | null;
  inputFields: { name: string; type: IntrospectedType; defaultValue: string | null }[] | null;
}

const INTROSPECTION = `{ __schema {
  queryType { fields { ...F } } mutationType { fields { ...F } }
  types { name kind enumValues { name } inputFields { name defaultValue type { ...T } } } }
}
fragment F on __Field { name type { ...T } args { name defaultValue type { ...T } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`;

// Any well-typed call of every query and mutation in the schema, so the role check (which runs
// before a resolver reads its arguments) is what answers.
function operationsOf(schema: {
  types: FullType[];
  queryType: { fields: IntrospectedField[] };
  mutationType: { fields: IntrospectedField[] };
}) {
  const types = new Map(schema.types.map((type) => [type.name, type]));
  const named = (type: IntrospectedType): IntrospectedType =>
    type.ofType ? named(type.ofType) : type;
  const literal = (type: IntrospectedType): string => {
    if (type.kind === 'NON_NULL') return literal(type.ofType!);
    if (type.kind === 'LIST') return `[${literal(type.ofType!)}]`;
    const full = types.get(type.name!)!;
    if (full.kind === 'ENUM') return full.enumValues![0].name;
    if (full.kind === 'INPUT_OBJECT') {
      const fields = full.inputFields!.filter(
        (field) => field.type.kind === 'NON_NULL' && field.defaultValue === null,
      );
      return `{${fields.map((field) => `${field.name}: ${literal(field.type)}`).join(', ')}}`;
    }
    const scalars: Record<string, string> = {
      Int: '1',
      Float: '1',
      Boolean: 'true',
      ID: '"00000000-0000-4000-8000-000000000000"',
      DateTime: '"2026-01-01T00:00:00.000Z"',
    };
    return scalars[type.name!] ?? '"x"';
  };
  const call = (field: IntrospectedField) => {
    const args = field.args
      .filter((arg) => arg.type.kind === 'NON_NULL' && arg.defaultValue === null)
      .map((arg) => `${arg.name}: ${literal(arg.type)}`);
    const returns = types.get(named(field.type).name!)!;
    const selection = ['OBJECT', 'INTERFACE', 'UNION'].includes(returns.kind)
      ? ' { __typename }'
      : '';
    return `${field.name}${args.length ? `(${args.join(', ')})` : ''}${selection}`;
  };
  return {
    queries: schema.queryType.fields.map((field) => ({
      name: field.name,
      document: `query { ${call(field)} }`,
    })),
    mutations: schema.mutationType.fields.map((field) => ({
      name: field.name,
      document: `mutation { ${call(field)} }`,
    })),
  };
}

describe('admin roles', () => {
  let api: TestApi;
  let organizationId: string;

  beforeAll(async () => {
    api = await startTestApi();
    organizationId = (await api.get(OrganizationsService).create('Roles Co', { type: 'operator' }))
      .id;
  });

  afterAll(() => api.close());

  it('lets owners, admins and auditors read SAML settings and credentials; never billing', async () => {
    for (const query of [
      '{ samlSettings { serviceProvider { entityId } } }',
      '{ adminRoleMappings { idpGroup } }',
      '{ machineCredentials { id } }',
    ]) {
      expect(await graphqlRolesAllowed(api, organizationId, query)).toEqual([
        'owner',
        'admin',
        'auditor',
      ]);
    }
    expect(await graphqlRolesAllowed(api, organizationId, '{ adminSessions { id } }')).toEqual([
      'owner',
    ]);
  });

  it('leaves SAML and role mapping to owners, credentials to owners and admins', async () => {
    // Invalid or no-op inputs: allowed roles get past the role check without changing anything.
    const ownerOnly = [
      `mutation { configureSaml(input: { idpEntityId: "x", ssoUrl: "not a url", signingCertificates: ["x"] }) { __typename } }`,
      'mutation { setAdminRoleMapping(idpGroup: "", role: owner) { id } }',
      'mutation { removeAdminRoleMapping(idpGroup: "no such group") }',
      'mutation { revokeAdminSession(id: "00000000-0000-4000-8000-000000000000") }',
    ];
    for (const mutation of ownerOnly) {
      expect(await graphqlRolesAllowed(api, organizationId, mutation)).toEqual(['owner']);
    }
    const ownerOrAdmin = [
      'mutation { createMachineCredential(input: { type: endpoint }) { secret } }',
      'mutation { revokeMachineCredential(id: "00000000-0000-4000-8000-000000000000") { id } }',
    ];
    for (const mutation of ownerOrAdmin) {
      expect(await graphqlRolesAllowed(api, organizationId, mutation)).toEqual(['owner', 'admin']);
    }
    expect(
      await restRolesAllowed(
        api,
        organizationId,
        'DELETE',
        '/auth/sessions/00000000-0000-4000-8000-000000000000',
      ),
    ).toEqual(['owner']);
  });

  it('refuses every mutation in the schema to an auditor, exports aside', async () => {
    const owner = await signInAdmin(api, organizationId, 'owner');
    const auditor = await signInAdmin(api, organizationId, 'auditor');
    const introspection = await graphql<{ __schema: Parameters<typeof operationsOf>[0] }>(
      api,
      owner,
      INTROSPECTION,
    );
    const { mutations } = operationsOf(introspection.data!.__schema);
    expect(mutations.length).toBeGreaterThan(5);
    const notRefused: string[] = [];
    for (const mutation of mutations.filter(({ name }) => !/export/i.test(name))) {
      const result = await graphql(api, auditor, mutation.document);
      if (!result.errors?.some((error) => error.extensions?.code === 'FORBIDDEN')) {
        notRefused.push(`${mutation.name}: ${JSON.stringify(result.errors ?? result.data)}`);
      }
    }
    expect(notRefused).toEqual([]);
  });

  it('refuses directory reads to a billing admin', async () => {
    const billing = await signInAdmin(api, organizationId, 'billing');
    for (const query of [
      '{ endpoints { __typename } }',
      '{ explainCapability(capability: "agent", userId: "00000000-0000-4000-8000-000000000000") { __typename } }',
      '{ machineCredentials { id } }',
      '{ adminRoleMappings { idpGroup } }',
    ]) {
      const result = await graphql(api, billing, query);
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(result.data ?? null).toBeNull();
    }
  });
});

describe('organization isolation of admins', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });

  afterAll(() => api.close());

  it('keeps an admin of organization A away from B, over GraphQL and REST', async () => {
    const organizations = api.get(OrganizationsService);
    const a = await organizations.create('Isolation A', { type: 'operator' });
    const b = await organizations.create('Isolation B', { type: 'operator' });
    const ownerA = await signInAdmin(api, a.id, 'owner');
    const ownerB = await signInAdmin(api, b.id, 'owner');
    const credentialB = await api
      .get(CredentialsService)
      .issue(b.id, 'scim', { name: 'B token', actor: { type: 'operator' } });
    await graphql(
      api,
      ownerB,
      'mutation { setAdminRoleMapping(idpGroup: "b-admins", role: admin) { id } }',
    );

    // Reads show only A's data.
    const listed = await graphql<{ machineCredentials: { id: string }[] }>(
      api,
      ownerA,
      '{ machineCredentials { id } }',
    );
    expect(listed.data!.machineCredentials.map((c) => c.id)).not.toContain(credentialB.id);
    const mappings = await graphql<{ adminRoleMappings: unknown[] }>(
      api,
      ownerA,
      '{ adminRoleMappings { idpGroup } }',
    );
    expect(mappings.data!.adminRoleMappings).toEqual([]);
    const sessions = await graphql<{ adminSessions: { adminId: string }[] }>(
      api,
      ownerA,
      '{ adminSessions { adminId } }',
    );
    expect(sessions.data!.adminSessions.map((s) => s.adminId)).toEqual([ownerA.adminId]);
    const settings = await graphql<{ samlSettings: { serviceProvider: { entityId: string } } }>(
      api,
      ownerA,
      '{ samlSettings { serviceProvider { entityId } } }',
    );
    expect(settings.data!.samlSettings.serviceProvider.entityId).toContain(`/saml/${a.slug}/`);

    // Changes aimed at B's objects find nothing.
    const revoke = await graphql(
      api,
      ownerA,
      'mutation($id: ID!) { revokeMachineCredential(id: $id) { id } }',
      { id: credentialB.id },
    );
    expect(revoke.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      (await api.prisma.credential.findUnique({ where: { id: credentialB.id } }))?.revokedAt,
    ).toBeNull();
    const unmap = await graphql(
      api,
      ownerA,
      'mutation { removeAdminRoleMapping(idpGroup: "b-admins") }',
    );
    expect(unmap.data).toEqual({ removeAdminRoleMapping: false });
    expect(await api.prisma.adminRoleMapping.count({ where: { organizationId: b.id } })).toBe(1);

    const sessionB = await api.prisma.adminSession.findFirstOrThrow({
      where: { adminId: ownerB.adminId },
    });
    const revokeSession = await graphql(
      api,
      ownerA,
      'mutation($id: ID!) { revokeAdminSession(id: $id) }',
      { id: sessionB.id },
    );
    expect(revokeSession.data).toEqual({ revokeAdminSession: false });
    const rest = await fetch(`${api.url}/auth/sessions/${sessionB.id}`, {
      method: 'DELETE',
      headers: ownerA.headers,
    });
    expect(rest.status).toBe(404);
    expect((await graphql(api, ownerB, '{ viewer { organization { slug } } }')).data).toEqual({
      viewer: { organization: { slug: b.slug } },
    });

    // An owner does end sessions of their own organization, over REST too.
    const adminA = await signInAdmin(api, a.id, 'admin');
    const sessionA = await api.prisma.adminSession.findFirstOrThrow({
      where: { adminId: adminA.adminId },
    });
    const own = await fetch(`${api.url}/auth/sessions/${sessionA.id}`, {
      method: 'DELETE',
      headers: ownerA.headers,
    });
    expect(own.status).toBe(204);
    expect((await graphql(api, adminA, '{ viewer { id } }')).data).toEqual({ viewer: null });
    expect(
      await api.prisma.auditEvent.count({
        where: { organizationId: a.id, action: 'admin.session_revoked', resourceId: sessionA.id },
      }),
    ).toBe(1);
  });
});
