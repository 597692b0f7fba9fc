import { OrganizationsService } from '../../apps/admin-api/src/modules/organizations/organizations.service';
import { graphql, signInAdmin, type AdminSession } from '../support/admin-session';
import { graphqlRolesAllowed } from '../support/admin-roles';
import { startTestApi, type TestApi } from '../support/api';

interface Person {
  id: string;
  userName: string;
  displayName: string | null;
  active: boolean;
  source: string;
  emails: string[];
  groups: { id: string; displayName: string }[];
}
interface Team {
  id: string;
  displayName: string;
  source: string;
  memberCount: number;
}

const PERSON = 'id userName displayName active source emails groups { id displayName }';
const TEAM = 'id displayName source memberCount';

// People and groups an IT admin adds in the console when no identity provider manages them:
// written with their audit records, refused (changing nothing) for what the IdP manages, for
// another organization's records and for bad input. Judged by the database, not by the answers.
describe('console directory writes', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  async function organization(name: string) {
    const org = await api.get(OrganizationsService).create(name, { type: 'operator' });
    const owner = await signInAdmin(api, org.id, 'owner', `owner@${org.id.slice(0, 8)}.example`);
    return { org, owner };
  }

  const createPerson = (owner: AdminSession, input: Record<string, unknown>) =>
    graphql<{ createDirectoryPerson: Person }>(
      api,
      owner,
      `mutation ($input: NewPersonInput!) { createDirectoryPerson(input: $input) { ${PERSON} } }`,
      { input },
    );

  const updatePerson = (owner: AdminSession, id: string, input: Record<string, unknown>) =>
    graphql<{ updateDirectoryPerson: Person }>(
      api,
      owner,
      `mutation ($id: ID!, $input: PersonChangeInput!) {
        updateDirectoryPerson(id: $id, input: $input) { ${PERSON} }
      }`,
      { id, input },
    );

  const updateGroup = (owner: AdminSession, id: string, input: Record<string, unknown>) =>
    graphql<{ updateDirectoryGroup: Team }>(
      api,
      owner,
      `mutation ($id: ID!, $input: GroupChangeInput!) {
        updateDirectoryGroup(id: $id, input: $input) { ${TEAM} }
      }`,
      { id, input },
    );

  it('adds, changes and deletes people and groups, each with its audit record', async () => {
    const { org, owner } = await organization('Console directory');
    const ana = await createPerson(owner, {
      userName: '  Ana@Example.com ',
      displayName: 'Ana Lima',
      email: 'ana@example.com',
    });
    expect(ana.errors).toBeUndefined();
    expect(ana.data!.createDirectoryPerson).toMatchObject({
      userName: 'Ana@Example.com',
      displayName: 'Ana Lima',
      active: true,
      source: 'api',
      emails: ['ana@example.com'],
    });
    const anaId = ana.data!.createDirectoryPerson.id;
    const ben = (await createPerson(owner, { userName: 'ben@example.com' })).data!
      .createDirectoryPerson;

    const created = await graphql<{ createDirectoryGroup: Team }>(
      api,
      owner,
      `mutation ($input: NewGroupInput!) { createDirectoryGroup(input: $input) { ${TEAM} } }`,
      { input: { displayName: 'Finance', memberIds: [anaId] } },
    );
    expect(created.data!.createDirectoryGroup).toMatchObject({
      displayName: 'Finance',
      source: 'api',
      memberCount: 1,
    });
    const groupId = created.data!.createDirectoryGroup.id;
    const changed = await updateGroup(owner, groupId, {
      displayName: 'Finance team',
      addMemberIds: [ben.id],
      removeMemberIds: [anaId],
    });
    expect(changed.errors).toBeUndefined();
    expect(changed.data!.updateDirectoryGroup).toMatchObject({
      displayName: 'Finance team',
      memberCount: 1,
    });
    const members = await api.prisma.directoryGroupMember.findMany({ where: { groupId } });
    expect(members.map((member) => member.userId)).toEqual([ben.id]);

    const deactivated = await updatePerson(owner, ben.id, { active: false, displayName: 'Ben' });
    expect(deactivated.data!.updateDirectoryPerson).toMatchObject({
      active: false,
      displayName: 'Ben',
      groups: [{ id: groupId, displayName: 'Finance team' }],
    });
    const stored = await api.prisma.directoryUser.findUniqueOrThrow({ where: { id: ben.id } });
    expect([stored.active, stored.displayName, stored.userName]).toEqual([
      false,
      'Ben',
      'ben@example.com',
    ]);

    for (const mutation of [
      `mutation { deleteDirectoryGroup(id: "${groupId}") }`,
      `mutation { deleteDirectoryPerson(id: "${anaId}") }`,
    ]) {
      const deleted = await graphql(api, owner, mutation);
      expect(deleted.errors).toBeUndefined();
    }
    expect(await api.prisma.directoryGroup.count({ where: { id: groupId } })).toBe(0);
    expect(await api.prisma.directoryUser.count({ where: { id: anaId } })).toBe(0);

    const actions = await api.prisma.auditEvent.findMany({
      where: { organizationId: org.id, action: { startsWith: 'directory.' } },
      orderBy: { seq: 'asc' },
      select: { action: true, actorType: true, actorId: true },
    });
    expect(actions.map((record) => record.action)).toEqual([
      'directory.user.created',
      'directory.user.created',
      'directory.group.created',
      'directory.group.updated',
      'directory.user.updated',
      'directory.group.deleted',
      'directory.user.deleted',
    ]);
    expect(new Set(actions.map((record) => record.actorType))).toEqual(new Set(['admin']));
  });

  it('refuses to change what the identity provider manages, and changes nothing', async () => {
    const { org, owner } = await organization('IdP managed');
    const person = await api.prisma.directoryUser.create({
      data: {
        organizationId: org.id,
        userName: 'carol@example.com',
        userNameLower: 'carol@example.com',
        externalId: 'okta-00u1',
        displayName: 'Carol',
      },
    });
    const group = await api.prisma.directoryGroup.create({
      data: { organizationId: org.id, displayName: 'Okta group', externalId: 'okta-00g1' },
    });
    const refusals = [
      await updatePerson(owner, person.id, { active: false }),
      await graphql(api, owner, `mutation { deleteDirectoryPerson(id: "${person.id}") }`),
      await updateGroup(owner, group.id, { addMemberIds: [person.id] }),
      await graphql(api, owner, `mutation { deleteDirectoryGroup(id: "${group.id}") }`),
    ];
    for (const refusal of refusals) {
      expect(refusal.errors?.[0]?.extensions).toMatchObject({
        code: 'FAILED_PRECONDITION',
        reason: 'managed_by_identity_provider',
      });
      expect(refusal.errors?.[0]?.message).toMatch(/identity provider/);
    }
    const after = await api.prisma.directoryUser.findUniqueOrThrow({ where: { id: person.id } });
    expect([after.active, after.version]).toEqual([true, person.version]);
    expect(await api.prisma.directoryGroupMember.count({ where: { groupId: group.id } })).toBe(0);
    expect(await api.prisma.directoryGroup.count({ where: { id: group.id } })).toBe(1);
  });

  it('refuses another organization’s records, bad input and a taken user name', async () => {
    const a = await organization('Writes A');
    const b = await organization('Writes B');
    const bPerson = (await createPerson(b.owner, { userName: 'dora@example.com' })).data!
      .createDirectoryPerson;

    const crossOrganization = await updatePerson(a.owner, bPerson.id, { active: false });
    expect(crossOrganization.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const deleteAcross = await graphql(
      api,
      a.owner,
      `mutation { deleteDirectoryPerson(id: "${bPerson.id}") }`,
    );
    expect(deleteAcross.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const untouched = await api.prisma.directoryUser.findUniqueOrThrow({
      where: { id: bPerson.id },
    });
    expect(untouched.active).toBe(true);

    const before = await api.prisma.directoryUser.count({ where: { organizationId: a.org.id } });
    for (const input of [
      { userName: '   ' },
      { userName: 'x'.repeat(257) },
      { userName: 'eve@example.com', email: 'not an address' },
      { userName: 'nul\u0000@example.com' },
    ]) {
      const refused = await createPerson(a.owner, input);
      expect(refused.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'invalid_value',
      });
    }
    const badMember = await graphql(
      api,
      a.owner,
      'mutation { createDirectoryGroup(input: { displayName: "G", memberIds: ["nope"] }) { id } }',
    );
    expect(badMember.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const foreignMember = await graphql(
      api,
      a.owner,
      `mutation { createDirectoryGroup(input: { displayName: "G", memberIds: ["${bPerson.id}"] }) { id } }`,
    );
    expect(foreignMember.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await api.prisma.directoryGroup.count({ where: { organizationId: a.org.id } })).toBe(0);

    expect((await createPerson(a.owner, { userName: 'fay@example.com' })).errors).toBeUndefined();
    const taken = await createPerson(a.owner, { userName: 'FAY@example.com' });
    expect(taken.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      reason: 'user_name_taken',
    });
    expect(await api.prisma.directoryUser.count({ where: { organizationId: a.org.id } })).toBe(
      before + 1,
    );
  });

  it('lets owners and admins write, not auditors or billing admins', async () => {
    const { org } = await organization('Write roles');
    expect(
      await graphqlRolesAllowed(
        api,
        org.id,
        'mutation { deleteDirectoryGroup(id: "00000000-0000-4000-8000-000000000000") }',
      ),
    ).toEqual(['owner', 'admin']);
  });
});
