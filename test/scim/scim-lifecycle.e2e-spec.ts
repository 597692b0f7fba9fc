import { Client } from 'pg';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { ENTERPRISE, GROUP, oktaUser, PATCH, scimClient, USER } from './scim-support';
import type { ScimClient } from './scim-support';

let api: TestApi;
let scim: ScimClient;

beforeAll(async () => {
  api = await startTestApi();
  scim = await scimClient(api, 'Lifecycle');
});

afterAll(() => api.close());

async function createUser(body: Record<string, unknown> = oktaUser()) {
  const created = await scim.request('POST', '/Users', body);
  expect(created.status).toBe(201);
  return created.body;
}

const patch = (path: string, Operations: unknown[], headers?: Record<string, string>) =>
  scim.request('PATCH', path, { schemas: [PATCH], Operations }, headers);

const stored = (id: string) =>
  api.prisma.directoryUser.findFirstOrThrow({ where: { id }, select: { active: true } });

describe('SCIM: deactivation sticks', () => {
  const deactivated = async () => {
    const user = await createUser();
    expect(
      (await patch(`/Users/${user.id}`, [{ op: 'replace', value: { active: false } }])).status,
    ).toBe(200);
    return user;
  };

  it('a PATCH that removes active leaves it unassigned, which grants nothing', async () => {
    const user = await deactivated();
    const removed = await patch(`/Users/${user.id}`, [{ op: 'remove', path: 'active' }]);
    expect(removed.status).toBe(200);
    expect(removed.body.active).toBeUndefined();
    expect((await stored(user.id)).active).toBeNull();
    // Neither `active eq true` nor the endpoint's check sees an active person.
    const found = await scim.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`id eq "${user.id}" and active eq true`)}`,
    );
    expect(found.body.totalResults).toBe(0);
  });

  it('a PATCH that replaces active with null, with or without a path, does too', async () => {
    for (const operation of [
      { op: 'replace', path: 'active', value: null },
      { op: 'Replace', value: { active: null } },
      { op: 'add', path: 'active', value: null },
    ]) {
      const user = await deactivated();
      const response = await patch(`/Users/${user.id}`, [operation]);
      expect({ operation, status: response.status, active: response.body.active }).toEqual({
        operation,
        status: 200,
        active: undefined,
      });
      expect((await stored(user.id)).active).toBeNull();
    }
  });

  it('a PUT that leaves active out keeps it: a deactivated person stays deactivated', async () => {
    const user = await deactivated();
    const put = await scim.request('PUT', `/Users/${user.id}`, {
      schemas: [USER],
      userName: user.userName,
      displayName: 'Profile update',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ active: false, displayName: 'Profile update' });
    expect((await stored(user.id)).active).toBe(false);
    // And an active one stays active.
    const active = await createUser();
    const kept = await scim.request('PUT', `/Users/${active.id}`, {
      schemas: [USER],
      userName: active.userName,
    });
    expect(kept.body.active).toBe(true);
  });

  it('a user created without active is unassigned and grants nothing until active is true', async () => {
    const { active: _active, ...body } = oktaUser();
    const user = await createUser(body);
    expect(user.active).toBeUndefined();
    expect((await stored(user.id)).active).toBeNull();
    const activated = await patch(`/Users/${user.id}`, [
      { op: 'replace', path: 'active', value: true },
    ]);
    expect(activated.body.active).toBe(true);
  });
});

describe('SCIM: versions move when membership changes from the other side', () => {
  it("a user's version and ETag move when a group adds, renames or removes them", async () => {
    const user = await createUser();
    const group = (
      await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Moves' })
    ).body;
    const etag = async () => (await scim.request('GET', `/Users/${user.id}`)).headers.get('etag');
    const seen = [await etag()];
    await patch(`/Groups/${group.id}`, [
      { op: 'add', path: 'members', value: [{ value: user.id }] },
    ]);
    seen.push(await etag());
    await patch(`/Groups/${group.id}`, [{ op: 'replace', path: 'displayName', value: 'Renamed' }]);
    seen.push(await etag());
    await patch(`/Groups/${group.id}`, [{ op: 'remove', path: `members[value eq "${user.id}"]` }]);
    seen.push(await etag());
    expect(new Set(seen).size).toBe(4);
    // The first ETag is stale: a GET carrying it gets the resource, not 304.
    const stale = await scim.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': seen[0]!,
    });
    expect(stale.status).toBe(200);
    expect(stale.body.meta.version).toBe(seen[3]);
  });

  it("a group's version moves when a member user is deleted, and a user's when its group is", async () => {
    const [a, b] = [await createUser(), await createUser()];
    const group = (
      await scim.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Loses a member',
        members: [{ value: a.id }, { value: b.id }],
      })
    ).body;
    const before = (await scim.request('GET', `/Groups/${group.id}`)).body.meta.version;
    expect((await scim.request('DELETE', `/Users/${a.id}`)).status).toBe(204);
    const after = await scim.request('GET', `/Groups/${group.id}`, undefined, {
      'if-none-match': before,
    });
    expect(after.status).toBe(200);
    expect(after.body.members.map((member: { value: string }) => member.value)).toEqual([b.id]);
    const member = (await scim.request('GET', `/Users/${b.id}`)).body.meta.version;
    expect((await scim.request('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    const orphan = await scim.request('GET', `/Users/${b.id}`);
    expect(orphan.body.groups).toEqual([]);
    expect(orphan.body.meta.version).not.toBe(member);
  });
});

describe('SCIM: one id per resource', () => {
  it('records ids in the audit log in one spelling whatever case the client sent', async () => {
    const user = await createUser();
    const upper = user.id.toUpperCase();
    const group = (
      await scim.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Cases',
        members: [{ value: upper }],
      })
    ).body;
    await patch(`/Users/${upper}`, [{ op: 'replace', path: 'title', value: 'Upper' }]);
    await patch(`/Groups/${group.id.toUpperCase()}`, [
      { op: 'add', path: 'members', value: [{ value: upper }, { value: user.id }] },
    ]);
    expect((await scim.request('GET', `/Groups/${group.id}`)).body.members).toEqual([
      expect.objectContaining({ value: user.id }),
    ]);
    await scim.request('DELETE', `/Users/${upper}`);
    const audit = await api.prisma.auditEvent.findMany({
      where: { organizationId: scim.organizationId, resourceId: { in: [user.id, upper] } },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((event) => [event.action, event.resourceId])).toEqual([
      ['directory.user.created', user.id],
      ['directory.user.updated', user.id],
      ['directory.user.deleted', user.id],
    ]);
    const created = await api.prisma.auditEvent.findFirstOrThrow({
      where: {
        organizationId: scim.organizationId,
        resourceId: group.id,
        action: 'directory.group.created',
      },
    });
    expect(created.data).toMatchObject({ addedUserIds: [user.id] });
  });
});

describe('SCIM: within the deadline', () => {
  it('answers 503 with Retry-After when a write cannot finish in time, and changes nothing', async () => {
    const quick = await startTestApi({ SCIM_WRITE_DEADLINE_SECONDS: '2' });
    const client = await scimClient(quick, 'Deadline');
    const blocker = new Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      const user = (await client.request('POST', '/Users', oktaUser())).body;
      // Another session holds the user's row, as a long transaction elsewhere would.
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM "DirectoryUser" WHERE id = $1 FOR UPDATE', [user.id]);
      const blocked = await client.request('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'title', value: 'Too late' }],
      });
      expect(blocked.status).toBe(503);
      expect(blocked.headers.get('retry-after')).toBe('5');
      expect(blocked.body).toMatchObject({
        schemas: [expect.stringContaining('Error')],
        status: '503',
      });
      await blocker.query('ROLLBACK');
      const after = await client.request('GET', `/Users/${user.id}`);
      expect(after.body.title).toBeUndefined();
      expect(after.body.meta.version).toBe(user.meta.version);
      // The retry succeeds.
      const retried = await client.request('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'replace', path: 'title', value: 'On time' }],
      });
      expect(retried.body.title).toBe('On time');
    } finally {
      await blocker.end();
      await quick.close();
    }
  });
});

describe('SCIM: the manager', () => {
  it('keeps the manager as the IdP sends it: value, $ref and displayName', async () => {
    const manager = await createUser();
    const user = await createUser({
      ...oktaUser(),
      schemas: [USER, ENTERPRISE],
      [ENTERPRISE]: {
        manager: { value: manager.id, $ref: manager.meta.location, displayName: 'The Boss' },
      },
    });
    expect(user[ENTERPRISE].manager).toEqual({
      value: manager.id,
      $ref: manager.meta.location,
      displayName: 'The Boss',
    });
    // Entra adds the manager with an unqualified path and an array of one.
    const entra = await patch(`/Users/${user.id}`, [
      { op: 'Add', path: 'manager', value: [{ $ref: 'https://idp/Users/m2', value: 'm2' }] },
    ]);
    expect(entra.body[ENTERPRISE].manager).toEqual({
      value: 'm2',
      $ref: 'https://idp/Users/m2',
      displayName: 'The Boss',
    });
    const schema = await scim.request('GET', `/Schemas/${ENTERPRISE}`);
    const advertised = schema.body.attributes.find((a: { name: string }) => a.name === 'manager');
    expect(
      advertised.subAttributes.map((sub: { name: string; mutability: string }) => [
        sub.name,
        sub.mutability,
      ]),
    ).toEqual([
      ['value', 'readWrite'],
      ['$ref', 'readWrite'],
      ['displayName', 'readWrite'],
    ]);
  });
});
