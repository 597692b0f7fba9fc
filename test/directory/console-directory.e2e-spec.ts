import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin } from '../support/admin-session';
import { graphqlRolesAllowed } from '../support/admin-roles';
import { startTestApi, type TestApi } from '../support/api';

// What the console shows instead of ids: names of people and groups, one person or group, a
// group's members, the organization's admins. Scoped to the admin's organization; bad ids are
// refused as bad input.
describe('console directory queries', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  async function organizationWithTeam(name: string) {
    const org = await api.get(OrganizationsService).create(name, { type: 'operator' });
    const directory = api.get(DirectoryService);
    const people = await Promise.all(
      ['ana', 'ben'].map((who) => {
        const userName = `${who}-${org.id.slice(0, 6)}@example.com`;
        return api.prisma.directoryUser.create({
          data: {
            organizationId: org.id,
            userName,
            userNameLower: userName,
            displayName: `${who.toUpperCase()} ${name}`,
            active: true,
          },
        });
      }),
    );
    const team = await directory.createGroup(
      org.id,
      { displayName: `Team ${name}`, externalId: null, memberIds: [people[0]!.id] },
      { type: 'system' },
    );
    return { org, people, team };
  }

  it('names people and groups of the admin’s organization only', async () => {
    const a = await organizationWithTeam('A');
    const b = await organizationWithTeam('B');
    const owner = await signInAdmin(api, a.org.id, 'owner');
    const ids = [a.people[0]!.id, a.team.id, b.people[0]!.id, b.team.id];
    const names = await graphql<{
      directoryNames: { id: string; kind: string; name: string; detail: string }[];
    }>(api, owner, 'query ($ids: [ID!]!) { directoryNames(ids: $ids) { id kind name detail } }', {
      ids,
    });
    expect(names.errors).toBeUndefined();
    expect(names.data!.directoryNames).toEqual(
      expect.arrayContaining([
        { id: a.people[0]!.id, kind: 'user', name: 'ANA A', detail: a.people[0]!.userName },
        { id: a.team.id, kind: 'group', name: 'Team A', detail: '1 member' },
      ]),
    );
    expect(names.data!.directoryNames).toHaveLength(2);

    // B's person and group are not found from A, one by one either.
    for (const query of [
      `{ directoryUser(id: "${b.people[0]!.id}") { id } }`,
      `{ directoryGroup(id: "${b.team.id}") { id } }`,
    ]) {
      const result = await graphql(api, owner, query);
      expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const members = await graphql<{ directoryUsers: { total: number; items: { id: string }[] } }>(
      api,
      owner,
      'query ($g: ID) { directoryUsers(groupId: $g) { total items { id } } }',
      { g: b.team.id },
    );
    expect(members.data!.directoryUsers.total).toBe(0);
  });

  it('lists a group’s members, searchable, and reads one person with their groups', async () => {
    const { org, people, team } = await organizationWithTeam('C');
    const owner = await signInAdmin(api, org.id, 'owner');
    const members = await graphql<{ directoryUsers: { total: number; items: { id: string }[] } }>(
      api,
      owner,
      'query ($g: ID, $s: String) { directoryUsers(groupId: $g, search: $s) { total items { id } } }',
      { g: team.id, s: 'ana' },
    );
    expect(members.data!.directoryUsers).toEqual({ total: 1, items: [{ id: people[0]!.id }] });
    const nobody = await graphql<{ directoryUsers: { total: number } }>(
      api,
      owner,
      'query ($g: ID) { directoryUsers(groupId: $g, search: "ben") { total } }',
      { g: team.id },
    );
    expect(nobody.data!.directoryUsers.total).toBe(0);
    const person = await graphql<{ directoryUser: { groups: { displayName: string }[] } }>(
      api,
      owner,
      `{ directoryUser(id: "${people[0]!.id}") { groups { displayName } } }`,
    );
    expect(person.data!.directoryUser.groups).toEqual([{ displayName: 'Team C' }]);
  });

  it('refuses ids that are not ids, and more than 200 at once, as bad input', async () => {
    const { org } = await organizationWithTeam('D');
    const owner = await signInAdmin(api, org.id, 'owner');
    for (const [query, variables] of [
      ['query ($ids: [ID!]!) { directoryNames(ids: $ids) { id } }', { ids: ["' or 1=1 --"] }],
      [
        'query ($ids: [ID!]!) { directoryNames(ids: $ids) { id } }',
        { ids: Array.from({ length: 201 }, () => crypto.randomUUID()) },
      ],
      ['{ directoryUser(id: "42") { id } }', {}],
      ['{ directoryUsers(groupId: "sales") { total } }', {}],
    ] as const) {
      const result = await graphql(api, owner, query, variables);
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('lets billing admins read names (spend is shown by name) but not the directory; admins to readers', async () => {
    const { org } = await organizationWithTeam('E');
    expect(await graphqlRolesAllowed(api, org.id, '{ directoryNames(ids: []) { id } }')).toEqual([
      'owner',
      'admin',
      'auditor',
      'billing',
    ]);
    for (const query of [
      '{ directoryUser(id: "00000000-0000-4000-8000-000000000000") { id } }',
      '{ directoryGroup(id: "00000000-0000-4000-8000-000000000000") { id } }',
      '{ admins { email role } }',
      '{ scimProvisioning { baseUrl } }',
    ]) {
      expect(await graphqlRolesAllowed(api, org.id, query)).toEqual(['owner', 'admin', 'auditor']);
    }
    const owner = await signInAdmin(api, org.id, 'owner', 'boss@example.com');
    const admins = await graphql<{ admins: { email: string; role: string }[] }>(
      api,
      owner,
      '{ admins { email role } }',
    );
    expect(admins.data!.admins[0]).toEqual({ email: 'boss@example.com', role: 'owner' });
    const order = ['owner', 'admin', 'auditor', 'billing'];
    const roles = admins.data!.admins.map((admin) => admin.role);
    expect(roles).toEqual([...roles].sort((x, y) => order.indexOf(x) - order.indexOf(y)));
  });
});
