import { EVENT_BUS } from '../../apps/admin-api/src/platform/redis/event-bus';
import type { EventBus } from '../../apps/admin-api/src/platform/redis/event-bus';
import { DirectoryService } from '../../apps/admin-api/src/modules/directory/directory.service';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { ENTERPRISE, entraUser, oktaUser, PATCH, scimClient, USER } from './scim-support';
import type { ScimClient } from './scim-support';

let api: TestApi;
let scim: ScimClient;

beforeAll(async () => {
  api = await startTestApi();
  scim = await scimClient(api);
});

afterAll(() => api.close());

async function createUser(body: Record<string, unknown>) {
  const created = await scim.request('POST', '/Users', body);
  expect(created.status).toBe(201);
  return created.body;
}

describe('SCIM Users: create and read', () => {
  it('creates an Okta user: 201, Location, ETag, meta, password never returned', async () => {
    const body = oktaUser();
    const created = await scim.request('POST', '/Users', body);
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(created.headers.get('location')).toBe(created.body.meta.location);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body).toMatchObject({
      schemas: [USER],
      userName: body.userName,
      active: true,
      externalId: body.externalId,
      name: body.name,
      emails: [{ value: body.userName, primary: true, type: 'work' }],
      groups: [],
      meta: { resourceType: 'User', version: 'W/"1"' },
    });
    expect(created.body.password).toBeUndefined();
    const fetched = await scim.request('GET', `/Users/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('creates an Entra user with the enterprise extension, manager included', async () => {
    const body = entraUser();
    const user = await createUser(body);
    expect(user.schemas).toEqual([USER, ENTERPRISE]);
    expect(user[ENTERPRISE]).toEqual(body[ENTERPRISE]);
    expect(user.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100', primary: false }]);
    expect(user.addresses).toEqual(body.addresses);
  });

  it('refuses a second userName differing only in case with 409 uniqueness', async () => {
    const body = oktaUser();
    await createUser(body);
    const clash = await scim.request('POST', '/Users', {
      ...oktaUser(),
      userName: body.userName.toUpperCase(),
    });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ status: '409', scimType: 'uniqueness' });
  });

  it('accepts plain application/json too', async () => {
    const response = await scim.request('POST', '/Users', JSON.stringify(oktaUser()), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(201);
  });
});

describe('SCIM Users: filters, pagination, attributes', () => {
  let alice: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let bob: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const tag = `f${Date.now()}`;

  beforeAll(async () => {
    alice = await createUser(
      entraUser({
        userName: `Alice.${tag}@Example.com`,
        title: 'Manager',
        emails: [
          { type: 'work', value: `alice.${tag}@example.com`, primary: true },
          { type: 'home', value: `alice.${tag}@home.test` },
        ],
      }),
    );
    bob = await createUser(
      oktaUser({
        userName: `bob.${tag}@example.com`,
        emails: [{ type: 'home', value: `bob.${tag}@example.com` }],
      }),
    );
  });

  const ids = (body: { Resources: { id: string }[] }) =>
    body.Resources.map((resource) => resource.id).sort();
  const list = (filter: string, extra = '') =>
    scim.request('GET', `/Users?filter=${encodeURIComponent(filter)}${extra}`);

  it('userName eq is case-insensitive (Okta and Entra both filter this way)', async () => {
    const response = await list(`userName eq "alice.${tag}@example.COM"`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(response.body.Resources[0].id).toBe(alice.id);
  });

  it('supports externalId eq, co, sw, ew, pr, and, or, grouping and attribute names in any case', async () => {
    expect(ids((await list(`externalId eq "${alice.externalId}"`)).body)).toEqual([alice.id]);
    expect(ids((await list(`USERNAME co ".${tag}@"`)).body)).toEqual([alice.id, bob.id].sort());
    expect(ids((await list(`userName sw "bob.${tag}"`)).body)).toEqual([bob.id]);
    expect(ids((await list(`userName ew "${tag}@example.com" and title pr`)).body)).toEqual([
      alice.id,
    ]);
    expect(
      ids(
        (
          await list(
            `(userName eq "bob.${tag}@example.com" or title eq "manager") and userName co "${tag}"`,
          )
        ).body,
      ),
    ).toEqual([alice.id, bob.id].sort());
  });

  it('supports value paths, emails.value, not and ne', async () => {
    expect(
      ids((await list(`emails[type eq "work" and value co "${tag}@example.com"]`)).body),
    ).toEqual([alice.id]);
    // Two conditions bind to the same email: bob's only email is a home one.
    expect(
      ids((await list(`emails[type eq "work" and value eq "bob.${tag}@example.com"]`)).body),
    ).toEqual([]);
    expect(ids((await list(`emails.value eq "BOB.${tag}@example.com"`)).body)).toEqual([bob.id]);
    expect(ids((await list(`userName co "${tag}" and not (title eq "Manager")`)).body)).toEqual([
      bob.id,
    ]);
    expect(ids((await list(`userName co "${tag}" and title ne "Manager"`)).body)).toEqual([bob.id]);
    expect(ids((await list(`userName co "${tag}" and not (emails[type eq "home"])`)).body)).toEqual(
      [],
    );
  });

  it('filters the enterprise extension and meta.lastModified', async () => {
    const urn = `${ENTERPRISE}:department eq "Research" and userName co "${tag}"`;
    expect(ids((await list(urn)).body)).toEqual([alice.id]);
    const before = new Date(Date.parse(alice.meta.created) - 1000).toISOString();
    expect(
      ids((await list(`meta.lastModified gt "${before}" and userName co "${tag}"`)).body),
    ).toEqual([alice.id, bob.id].sort());
    expect(ids((await list(`meta.lastModified gt "2999-01-01T00:00:00Z"`)).body)).toEqual([]);
  });

  it('pages with 1-based startIndex and count, in a stable order', async () => {
    const filter = `userName co "${tag}"`;
    const first = await list(filter, '&startIndex=1&count=1');
    const second = await list(filter, '&startIndex=2&count=1');
    expect(first.body).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 1 });
    expect(second.body).toMatchObject({ totalResults: 2, startIndex: 2, itemsPerPage: 1 });
    expect(first.body.Resources[0].id).toBe(alice.id);
    expect(second.body.Resources[0].id).toBe(bob.id);
    const none = await list(filter, '&count=0');
    expect(none.body).toMatchObject({ totalResults: 2, itemsPerPage: 0, Resources: [] });
  });

  it('applies attributes and excludedAttributes', async () => {
    const only = await scim.request(
      'GET',
      `/Users/${alice.id}?attributes=userName,name.givenName,${ENTERPRISE}:department`,
    );
    expect(only.body).toEqual({
      schemas: alice.schemas,
      id: alice.id,
      userName: alice.userName,
      name: { givenName: 'Grace' },
      [ENTERPRISE]: { department: 'Research' },
    });
    const without = await list(`id eq "${alice.id}"`, '&excludedAttributes=emails,groups,meta');
    expect(without.body.Resources[0].emails).toBeUndefined();
    expect(without.body.Resources[0].meta).toBeUndefined();
    expect(without.body.Resources[0].userName).toBe(alice.userName);
  });

  it('searches with POST /.search', async () => {
    const response = await scim.request('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName co "${tag}"`,
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expect(response.status).toBe(200);
    expect(response.body.totalResults).toBe(2);
    expect(Object.keys(response.body.Resources[0]).sort()).toEqual(['id', 'schemas', 'userName']);
  });

  it('matches %, _ and \\ literally in co, sw and ew, and decodes JSON escapes', async () => {
    const odd = await createUser(oktaUser({ userName: `100%_off\\${tag}@example.com` }));
    await createUser(oktaUser({ userName: `100x-off-${tag}@example.com` }));
    const only = async (filter: string) => expect(ids((await list(filter)).body)).toEqual([odd.id]);
    await only(`userName sw "100%" and userName co "${tag}"`);
    await only(`userName co "%_off" and userName co "${tag}"`);
    await only(`userName co "_off\\\\${tag}"`);
    await only(`userName ew "\\\\${tag}@example.com"`);
    // \u0025 is %; \" is a quote; the value is a JSON string.
    await only(`userName sw "100\\u0025_" and userName co "${tag}"`);
    expect((await list(`userName eq "a\\"b"`)).body.totalResults).toBe(0);
    expect((await list(`displayName eq "ada_lovelace_%"`)).body.totalResults).toBe(0);
  });

  it('binds emails[type eq "work"].value to the same email, as Entra queries it', async () => {
    const work = `alice.${tag}@example.com`;
    expect(ids((await list(`emails[type eq "work"].value eq "${work}"`)).body)).toEqual([alice.id]);
    // Bob's only email is a home one: a work-typed email with that value does not exist.
    expect(
      (await list(`emails[type eq "work"].value eq "bob.${tag}@example.com"`)).body.totalResults,
    ).toBe(0);
    expect(
      ids((await list(`emails[type eq "home"].value pr and userName co "${tag}"`)).body),
    ).toEqual([alice.id, bob.id].sort());
  });

  it('answers every grammar-valid filter 200 or 400: dates out of range, not (active pr)', async () => {
    for (const filter of [
      'meta.created gt "0000-01-01T00:00:00Z"',
      'meta.lastModified lt "-000001-01-01T00:00:00Z"',
      'meta.created ge "+275760-09-13T00:00:00Z"',
      'meta.created eq "2024-02-30T00:00:00Z"',
      'meta.created co "2024"',
    ]) {
      const response = await list(filter);
      expect({ filter, status: response.status, scimType: response.body.scimType }).toEqual({
        filter,
        status: 400,
        scimType: 'invalidFilter',
      });
    }
    for (const filter of [
      `not (active pr) and userName co "${tag}"`,
      `not (title pr) and userName co "${tag}"`,
      `active eq True and userName co "${tag}"`,
      `not (groups pr) and not (emails[type eq "pager"]) and userName co "${tag}"`,
      `meta.created gt "2000-01-01T00:00:00+14:00" and userName co "${tag}"`,
    ]) {
      expect({ filter, status: (await list(filter)).status }).toEqual({ filter, status: 200 });
    }
    const ours = `(userName sw "alice.${tag}" or userName sw "bob.${tag}")`;
    expect(ids((await list(`not (title pr) and ${ours}`)).body)).toEqual([bob.id]);
    expect(ids((await list(`not (groups pr) and ${ours}`)).body)).toEqual(
      [alice.id, bob.id].sort(),
    );
  });

  it('refuses unknown attributes and malformed filters with 400 invalidFilter', async () => {
    for (const filter of [
      'password eq "x"',
      'userName eq',
      'addresses.country eq "US"',
      '((((userName eq "x"',
      'id gt "x"',
    ]) {
      const response = await list(filter);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
    }
    const deep = await list(`${'('.repeat(1000)}userName eq "x"${')'.repeat(1000)}`);
    expect(deep.status).toBe(400);
    expect(deep.body.scimType).toBe('invalidFilter');
  });
});

describe('SCIM Users: PUT, PATCH, ETags, deactivation, delete', () => {
  it('replaces a user with PUT (what is left out is cleared)', async () => {
    const user = await createUser(entraUser());
    const replaced = await scim.request('PUT', `/Users/${user.id}`, {
      schemas: [USER],
      userName: user.userName,
      active: true,
      displayName: 'Renamed',
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ displayName: 'Renamed', meta: { version: 'W/"2"' } });
    expect(replaced.body.emails).toBeUndefined();
    expect(replaced.body[ENTERPRISE]).toBeUndefined();
  });

  it('deactivates with an Okta PATCH: the user stays readable and filterable', async () => {
    const user = await createUser(oktaUser());
    const patched = await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.active).toBe(false);
    const found = await scim.request(
      'GET',
      `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}" and active eq false`)}`,
    );
    expect(found.body.totalResults).toBe(1);
    const record = await api.get(DirectoryService).findUser(scim.organizationId, user.id);
    expect(record?.active).toBe(false);
  });

  it('applies Entra PATCH quirks: capitalised ops, "False", filtered paths, URN paths, manager as a string', async () => {
    const user = await createUser(entraUser());
    const patched = await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new.work@contoso.com' },
        { op: 'Add', path: 'emails[type eq "other"].value', value: 'other@contoso.com' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'mgr-2' },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Sales' },
        { op: 'Replace', path: 'name.givenName', value: 'Amazing' },
        { op: 'Add', value: { 'name.familyName': 'Grace', title: 'Admiral' } },
        { op: 'Remove', path: 'phoneNumbers[type eq "mobile"]' },
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      active: false,
      title: 'Admiral',
      name: { givenName: 'Amazing', familyName: 'Grace' },
      emails: [
        { type: 'work', value: 'new.work@contoso.com', primary: true },
        { type: 'other', value: 'other@contoso.com', primary: false },
      ],
      [ENTERPRISE]: { department: 'Sales', manager: { value: 'mgr-2' } },
    });
    expect(patched.body.phoneNumbers).toBeUndefined();
    const removed = await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    });
    expect(removed.body[ENTERPRISE].manager).toBeUndefined();
  });

  it('is atomic: one bad operation leaves the user unchanged', async () => {
    const user = await createUser(oktaUser());
    const response = await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Changed' },
        { op: 'replace', path: 'active', value: 'maybe' },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.scimType).toBe('invalidValue');
    const after = await scim.request('GET', `/Users/${user.id}`);
    expect(after.body).toEqual(user);
  });

  it('returns the PATCH error types: invalidPath, noTarget, mutability, invalidSyntax', async () => {
    const user = await createUser(oktaUser());
    const cases: [unknown, string][] = [
      [{ op: 'replace', path: 'nosuch', value: 1 }, 'invalidPath'],
      [{ op: 'add', path: 'emails', value: [{ type: 'home' }] }, 'invalidValue'],
      [
        {
          op: 'replace',
          path: 'emails[value co "nomatch" or type eq "pager"]',
          value: { value: 'x' },
        },
        'noTarget',
      ],
      [{ op: 'remove' }, 'noTarget'],
      [{ op: 'replace', path: 'id', value: 'other' }, 'mutability'],
      [{ op: 'replace', path: 'meta.created', value: 'x' }, 'mutability'],
      [{ op: 'move', path: 'title', value: 'x' }, 'invalidSyntax'],
    ];
    for (const [operation, scimType] of cases) {
      const response = await scim.request('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH],
        Operations: [operation],
      });
      expect({ operation, status: response.status, scimType: response.body.scimType }).toEqual({
        operation,
        status: 400,
        scimType,
      });
    }
    // Okta repeats the id in a replace value: accepted.
    const okta = await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: user.id, displayName: 'Okta' } }],
    });
    expect(okta.status).toBe(200);
  });

  it('honours If-Match: 412 on a stale version, success on the current one', async () => {
    const user = await createUser(oktaUser());
    const body = { schemas: [PATCH], Operations: [{ op: 'replace', path: 'title', value: 'A' }] };
    const fresh = await scim.request('PATCH', `/Users/${user.id}`, body, { 'if-match': 'W/"1"' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).toBe('W/"2"');
    const stale = await scim.request('PATCH', `/Users/${user.id}`, body, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ status: '412' });
    const put = await scim.request(
      'PUT',
      `/Users/${user.id}`,
      { userName: user.userName },
      { 'if-match': 'W/"1"' },
    );
    expect(put.status).toBe(412);
    const del = await scim.request('DELETE', `/Users/${user.id}`, undefined, { 'if-match': '"7"' });
    expect(del.status).toBe(412);
  });

  it('answers a GET with If-None-Match of the current version with 304 and no body', async () => {
    const user = await createUser(oktaUser());
    const current = await scim.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': 'W/"1"',
    });
    expect(current.status).toBe(304);
    expect(current.body).toBeUndefined();
    expect(current.headers.get('etag')).toBe('W/"1"');
    await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', path: 'title', value: 'Changed' }],
    });
    const changed = await scim.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': 'W/"1"',
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('W/"2"');
    expect(changed.body).toMatchObject({ id: user.id, title: 'Changed' });
    // A list of tags, one of them current.
    const listed = await scim.request('GET', `/Users/${user.id}`, undefined, {
      'if-none-match': '"9", W/"2"',
    });
    expect(listed.status).toBe(304);
  });

  it('deletes a user: 204, then 404 with a SCIM body', async () => {
    const user = await createUser(oktaUser());
    expect((await scim.request('DELETE', `/Users/${user.id}`)).status).toBe(204);
    const gone = await scim.request('GET', `/Users/${user.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
    });
  });

  it('records every change in the audit log and publishes directory.changed for changes', async () => {
    const messages: string[] = [];
    const unsubscribe = await api
      .get<EventBus>(EVENT_BUS as never)
      .subscribe('directory.changed', (message) => {
        messages.push(message);
      });
    const user = await createUser(oktaUser());
    await scim.request('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // Redis pub/sub delivery
    unsubscribe();
    const mine = messages
      .map((message) => JSON.parse(message))
      .filter((message) => message.userIds.includes(user.id));
    // Creation is not signalled (a new user has no bundle or cache to refresh); the change is.
    expect(mine).toEqual([
      { organizationId: scim.organizationId, userIds: [user.id], groupIds: [] },
    ]);
    const audit = await api.prisma.auditEvent.findMany({
      where: { organizationId: scim.organizationId, resourceId: user.id },
      orderBy: { seq: 'asc' },
    });
    expect(audit.map((event) => [event.action, event.actorType])).toEqual([
      ['directory.user.created', 'scim'],
      ['directory.user.updated', 'scim'],
    ]);
  });
});
