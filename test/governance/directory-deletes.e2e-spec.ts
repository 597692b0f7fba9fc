import { verifyBundle, verifyTrustSetUpdate } from '@steward/policy';
import { CredentialsService } from '../../apps/admin-api/src/modules/credentials/credentials.service';
import { graphql, signInAdmin } from '../support/admin-session';
import type { AdminSession } from '../support/admin-session';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { GROUP, oktaUser, scimClient } from '../scim/scim-support';
import type { ScimClient } from '../scim/scim-support';

interface Enrolled {
  endpointId: string;
  organizationId: string;
  userId: string;
  credential: string;
  trustSet: string;
}

// SCIM DELETE of a group or user takes the role bindings and spend limits naming it along,
// audited with the deletion; the people who held roles through it get a new bundle, and their
// leases stop counting against the deleted limits at once (spend's cache hears the change).
describe('directory deletions remove role bindings and spend limits', () => {
  let api: TestApi;
  let scim: ScimClient;
  let admin: AdminSession;
  let enrolmentToken: string;

  beforeAll(async () => {
    api = await startTestApi();
    scim = await scimClient(api, 'Deletes Inc');
    admin = await signInAdmin(api, scim.organizationId, 'admin');
    enrolmentToken = (
      await api
        .get(CredentialsService)
        .issue(scim.organizationId, 'enrolment', { actor: { type: 'operator' } })
    ).secret;
  });
  afterAll(() => api.close());

  async function ok<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await graphql<T>(api, admin, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data!;
  }

  async function scimUser(): Promise<{ id: string; userName: string }> {
    const created = await scim.request('POST', '/Users', oktaUser());
    expect(created.status).toBe(201);
    return created.body;
  }

  async function enrol(userName: string): Promise<Enrolled> {
    const response = await fetch(`${api.url}/api/v1/endpoints/enrol`, {
      method: 'POST',
      headers: { authorization: `Bearer ${enrolmentToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        deviceName: 'laptop',
        os: 'macos',
        runtimeVersion: '0.1.0',
        user: userName,
      }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Enrolled;
  }

  function pull(endpoint: Enrolled, etag?: string) {
    return fetch(`${api.url}/api/v1/endpoints/bundle${etag ? '?wait=30' : ''}`, {
      headers: {
        authorization: `Bearer ${endpoint.credential}`,
        ...(etag ? { 'if-none-match': etag } : {}),
      },
    });
  }

  async function policyOf(response: Response, endpoint: Enrolled) {
    const trust = verifyTrustSetUpdate(Buffer.from(endpoint.trustSet), {
      held: null,
      expectedOrg: endpoint.organizationId,
    });
    if (!trust.ok) throw new Error(`trust set refused: ${trust.reason}`);
    const result = verifyBundle(Buffer.from(await response.arrayBuffer()), {
      trustSet: trust.trustSet,
      expectedOrg: endpoint.organizationId,
      expectedSubject: { userId: endpoint.userId, endpointId: endpoint.endpointId },
    });
    if (!result.ok) throw new Error(`bundle refused: ${result.reason}`);
    return result.bundle;
  }

  async function bindingsOf(roleId: string) {
    const { role } = await ok<{ role: { bindings: { subjectType: string; subjectId: string }[] } }>(
      `query($id: ID!) { role(id: $id) { bindings { subjectType subjectId } } }`,
      { id: roleId },
    );
    return role.bindings;
  }

  async function deletionAudit(action: string, resourceId: string) {
    const event = await api.prisma.auditEvent.findFirstOrThrow({
      where: { organizationId: scim.organizationId, action, resourceId },
    });
    return event.data as {
      removedRoleBindings: { id: string; roleId: string }[];
      removedSpendLimits: { id: string; period: string; amountUsd: string }[];
    };
  }

  async function spendLimit(
    subjectType: 'user' | 'group',
    subjectId: string,
    amountUsd: string,
    period: 'day' | 'week' = 'day',
  ) {
    const { createSpendLimit } = await ok<{ createSpendLimit: { id: string } }>(
      `mutation($input: SpendLimitInput!) { createSpendLimit(input: $input) { id } }`,
      { input: { subjectType, subjectId, amountUsd, period, enforcement: 'hard' } },
    );
    return createSpendLimit.id;
  }

  async function spendLimitsOf(subjectType: 'user' | 'group', subjectId: string) {
    const { spendLimits } = await ok<{ spendLimits: { id: string }[] }>(
      `query($type: GovernanceSubject, $id: ID) { spendLimits(subjectType: $type, subjectId: $id) { id } }`,
      { type: subjectType, id: subjectId },
    );
    return spendLimits.map((limit) => limit.id);
  }

  // The limits a new lease of the endpoint's user is reserved against.
  async function leaseBudgets(endpoint: Enrolled): Promise<string[]> {
    const response = await fetch(`${api.url}/api/v1/endpoints/spend/leases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${endpoint.credential}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ amountUsd: '0.01' }),
    });
    expect(response.status).toBe(201);
    const lease = (await response.json()) as { budgets: { limitId: string }[] };
    return lease.budgets.map((budget) => budget.limitId);
  }

  it('on group delete: bindings go, audited, and the members are republished', async () => {
    const alice = await scimUser();
    const group = await scim.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Agents',
      members: [{ value: alice.id }],
    });
    expect(group.status).toBe(201);
    const { createRole } = await ok<{ createRole: { id: string } }>(
      `mutation { createRole(input: { name: "Agent users", capabilities: ["agent", "shell"] }) { id } }`,
    );
    const { bindRole } = await ok<{ bindRole: { id: string } }>(
      `mutation($role: ID!, $group: ID!) { bindRole(roleId: $role, subjectType: group, subjectId: $group) { id } }`,
      { role: createRole.id, group: group.body.id },
    );

    const groupLimit = await spendLimit('group', group.body.id, '10');
    const aliceLimit = await spendLimit('user', alice.id, '5');

    const endpoint = await enrol(alice.userName);
    const first = await pull(endpoint);
    const held = await policyOf(first, endpoint);
    expect(Object.keys(held.policy.capabilities).sort()).toEqual(['agent', 'shell']);
    expect((await leaseBudgets(endpoint)).sort()).toEqual([groupLimit, aliceLimit].sort());

    const waiting = pull(endpoint, first.headers.get('etag')!);
    expect((await scim.request('DELETE', `/Groups/${group.body.id}`)).status).toBe(204);
    const next = await waiting;
    expect(next.status).toBe(200);
    const republished = await policyOf(next, endpoint);
    expect(republished.version).toBeGreaterThan(held.version);
    expect(republished.policy.capabilities).toEqual({});

    // The republish came from the propagation outbox; the directory.changed signal after the commit
    // cleared spend's limit cache.
    expect(await leaseBudgets(endpoint)).toEqual([aliceLimit]);
    expect(await spendLimitsOf('group', group.body.id)).toEqual([]);
    expect(await bindingsOf(createRole.id)).toEqual([]);
    expect(await deletionAudit('directory.group.deleted', group.body.id)).toEqual({
      removedRoleBindings: [{ id: bindRole.id, roleId: createRole.id }],
      removedSpendLimits: [{ id: groupLimit, period: 'day', amountUsd: '10' }],
    });
  });

  it('on user delete: the user’s direct bindings and spend limits go, audited; others stay', async () => {
    const bob = await scimUser();
    const carol = await scimUser();
    const { createRole } = await ok<{ createRole: { id: string } }>(
      `mutation { createRole(input: { name: "Direct", capabilities: ["agent"] }) { id } }`,
    );
    const bind = (user: string) =>
      ok<{ bindRole: { id: string } }>(
        `mutation($role: ID!, $user: ID!) { bindRole(roleId: $role, subjectType: user, subjectId: $user) { id } }`,
        { role: createRole.id, user },
      );
    const bobBinding = await bind(bob.id);
    await bind(carol.id);
    const bobLimits = [
      await spendLimit('user', bob.id, '3'),
      await spendLimit('user', bob.id, '7', 'week'),
    ];
    const carolLimit = await spendLimit('user', carol.id, '4');

    expect((await scim.request('DELETE', `/Users/${bob.id}`)).status).toBe(204);
    expect(await bindingsOf(createRole.id)).toEqual([{ subjectType: 'user', subjectId: carol.id }]);
    expect(await spendLimitsOf('user', bob.id)).toEqual([]);
    expect(await spendLimitsOf('user', carol.id)).toEqual([carolLimit]);
    const audit = await deletionAudit('directory.user.deleted', bob.id);
    expect(audit.removedRoleBindings).toEqual([
      { id: bobBinding.bindRole.id, roleId: createRole.id },
    ]);
    expect(audit.removedSpendLimits.map((limit) => limit.id)).toEqual([...bobLimits].sort());
  });
});
