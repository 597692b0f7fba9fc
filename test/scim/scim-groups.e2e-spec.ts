import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { GROUP, oktaUser, PATCH, scimClient } from './scim-support';
import type { ScimClient } from './scim-support';

let api: TestApi;
let scim: ScimClient;

beforeAll(async () => {
  api = await startTestApi();
  scim = await scimClient(api, 'Groups Inc');
});

afterAll(() => api.close());

async function users(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    ids.push((await scim.request('POST', '/Users', oktaUser())).body.id);
  }
  return ids;
}

const memberIds = (body: { members?: { value: string }[] }) =>
  (body.members ?? []).map((member) => member.value).sort();

describe('SCIM Groups', () => {
  it('creates a group with members (Okta), reads it, and lists the user groups', async () => {
    const [a, b] = await users(2);
    const created = await scim.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Engineering',
      externalId: '00g1',
      members: [{ value: a, display: 'a' }, { value: b }],
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(memberIds(created.body)).toEqual([a, b].sort());
    const user = await scim.request('GET', `/Users/${a}`);
    expect(user.body.groups).toEqual([
      expect.objectContaining({ value: created.body.id, display: 'Engineering', type: 'direct' }),
    ]);
    const directory = api.get(DirectoryService);
    expect(await directory.groupIdsOfUser(scim.organizationId, a)).toEqual([created.body.id]);
  });

  it('filters groups by displayName and by membership the way Entra checks it', async () => {
    const [a, b] = await users(2);
    const group = (
      await scim.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Sales EMEA',
        members: [{ value: a }],
      })
    ).body;
    const byName = await scim.request(
      'GET',
      `/Groups?filter=${encodeURIComponent('displayName eq "sales emea"')}`,
    );
    expect(byName.body.Resources.map((item: { id: string }) => item.id)).toEqual([group.id]);
    const member = (user: string) =>
      scim.request(
        'GET',
        `/Groups?filter=${encodeURIComponent(`id eq "${group.id}" and members[value eq "${user}"]`)}&excludedAttributes=members`,
      );
    expect((await member(a)).body.totalResults).toBe(1);
    expect((await member(a)).body.Resources[0].members).toBeUndefined();
    expect((await member(b)).body.totalResults).toBe(0);
  });

  it('adds and removes members the Okta way and the Entra way', async () => {
    const [a, b, c] = await users(3);
    const group = (
      await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Support' })
    ).body;
    const patch = (Operations: unknown[]) =>
      scim.request('PATCH', `/Groups/${group.id}?attributes=members`, {
        schemas: [PATCH],
        Operations,
      });
    expect(
      memberIds(
        (
          await patch([
            { op: 'add', path: 'members', value: [{ value: a }, { value: b }, { value: c }] },
          ])
        ).body,
      ),
    ).toEqual([a, b, c].sort());
    // Okta: remove with a value filter.
    expect(
      memberIds((await patch([{ op: 'remove', path: `members[value eq "${a}"]` }])).body),
    ).toEqual([b, c].sort());
    // Entra: capitalised, path "members" with the values to remove.
    expect(
      memberIds((await patch([{ op: 'Remove', path: 'members', value: [{ value: b }] }])).body),
    ).toEqual([c]);
    // Okta rename: replace without a path, the id repeated.
    const renamed = await patch([
      { op: 'replace', value: { id: group.id, displayName: 'Support Tier 2' } },
    ]);
    expect(renamed.body.displayName).toBe('Support Tier 2');
    // Replace the whole member list.
    expect(
      memberIds((await patch([{ op: 'replace', path: 'members', value: [{ value: a }] }])).body),
    ).toEqual([a]);
  });

  it('is atomic: an unknown member fails the whole PATCH', async () => {
    const [a] = await users(1);
    const group = (
      await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Atomic' })
    ).body;
    const response = await scim.request('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        {
          op: 'add',
          path: 'members',
          value: [{ value: a }, { value: '00000000-0000-4000-8000-000000000000' }],
        },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    const after = await scim.request('GET', `/Groups/${group.id}`);
    expect(after.body).toMatchObject({ displayName: 'Atomic', meta: { version: 'W/"1"' } });
    expect(after.body.members).toBeUndefined();
  });

  it('replaces with PUT, honours If-Match, deletes', async () => {
    const [a] = await users(1);
    const group = (await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Put' }))
      .body;
    const put = await scim.request(
      'PUT',
      `/Groups/${group.id}`,
      { schemas: [GROUP], displayName: 'Put 2', members: [{ value: a }] },
      {
        'if-match': group.meta.version,
      },
    );
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe('W/"2"');
    const stale = await scim.request(
      'PUT',
      `/Groups/${group.id}`,
      { displayName: 'x' },
      { 'if-match': group.meta.version },
    );
    expect(stale.status).toBe(412);
    expect((await scim.request('DELETE', `/Groups/${group.id}`)).status).toBe(204);
    expect((await scim.request('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect(await api.get(DirectoryService).groupIdsOfUser(scim.organizationId, a)).toEqual([]);
  });

  it('accepts a PATCH adding thousands of members in one body', async () => {
    const group = (await scim.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Big' }))
      .body;
    const rows = Array.from({ length: 2000 }, (_, index) => ({
      organizationId: scim.organizationId,
      userName: `bulk${index}.${group.id}@example.com`,
      userNameLower: `bulk${index}.${group.id}@example.com`,
    }));
    const created = await api.prisma.directoryUser.createManyAndReturn({
      data: rows,
      select: { id: true },
    });
    const response = await scim.request('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'add', path: 'members', value: created.map((row) => ({ value: row.id })) },
      ],
    });
    expect(response.status).toBe(200);
    const page = await api
      .get(DirectoryService)
      .findGroup(scim.organizationId, group.id, { members: true });
    expect(page?.memberIds).toHaveLength(2000);
  });
});
