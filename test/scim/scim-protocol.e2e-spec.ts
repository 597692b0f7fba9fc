import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { ENTERPRISE, GROUP, oktaUser, PATCH, scimClient, USER } from './scim-support';
import type { ScimClient } from './scim-support';

let api: TestApi;
let acme: ScimClient;
let globex: ScimClient;

beforeAll(async () => {
  api = await startTestApi();
  acme = await scimClient(api, 'Acme');
  globex = await scimClient(api, 'Globex');
});

afterAll(() => api.close());

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('SCIM protocol', () => {
  it('answers 401 with a SCIM body for a missing or wrong token', async () => {
    for (const authorization of [undefined, 'Bearer stw_scim_nope', 'Basic abc']) {
      const response = await fetch(`${api.url}/scim/v2/Users`, {
        headers: authorization ? { authorization } : {},
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.json()).toMatchObject({ schemas: [ERROR], status: '401' });
    }
  });

  it('answers 404 with a SCIM body for unknown ids and unknown routes', async () => {
    for (const path of [
      '/Users/00000000-0000-4000-8000-000000000000',
      '/Users/not-a-uuid',
      '/Groups/x',
      '/Nope',
      '/Users/a/b',
      '/Schemas/urn:x',
    ]) {
      const response = await acme.request('GET', path);
      expect({ path, status: response.status, body: response.body }).toMatchObject({
        path,
        status: 404,
        body: { schemas: [ERROR], status: '404' },
      });
    }
  });

  it('answers malformed JSON, wrong types and unknown attributes with 400 and changes nothing', async () => {
    const before = (await acme.request('GET', '/Users?count=0')).body.totalResults;
    const cases: [unknown, string][] = [
      ['{"userName": ', 'invalidSyntax'],
      ['[]', 'invalidSyntax'],
      [{ userName: 42 }, 'invalidValue'],
      [{ userName: 'x@example.com', active: 'maybe' }, 'invalidValue'],
      [{ userName: 'x@example.com', emails: { value: 'x' } }, 'invalidValue'],
      [{ userName: 'x@example.com', shoeSize: 44 }, 'invalidSyntax'],
      [{ userName: 'x@example.com', name: { nickname: 'x' } }, 'invalidSyntax'],
      [{ schemas: ['urn:example:unknown'], userName: 'x@example.com' }, 'invalidSyntax'],
      [{ userName: '' }, 'invalidValue'],
      [{ userName: 'x'.repeat(300) }, 'invalidValue'],
      [{ userName: 'nul\u0000@example.com' }, 'invalidValue'],
      [
        {
          userName: 'x@example.com',
          emails: [
            { value: 'a', primary: true },
            { value: 'b', primary: true },
          ],
        },
        'invalidValue',
      ],
    ];
    for (const [body, scimType] of cases) {
      const response = await acme.request('POST', '/Users', body);
      expect({ body, status: response.status, scimType: response.body?.scimType }).toEqual({
        body,
        status: 400,
        scimType,
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    }
    const patch = await acme.request('PATCH', '/Users/00000000-0000-4000-8000-000000000000', {
      Operations: 'x',
    });
    expect(patch.body).toMatchObject({ status: '400', scimType: 'invalidSyntax' });
    const tooMany = await acme.request('PATCH', '/Users/00000000-0000-4000-8000-000000000000', {
      schemas: [PATCH],
      Operations: Array.from({ length: 1001 }, () => ({ op: 'add', path: 'title', value: 'x' })),
    });
    expect(tooMany.body).toMatchObject({ status: '400', scimType: 'tooMany' });
    const badQuery = await acme.request('GET', '/Users?startIndex=abc');
    expect(badQuery.body).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await acme.request('GET', '/Users?count=0')).body.totalResults).toBe(before);
  });

  it('refuses a body over the documented limit with a SCIM 413', async () => {
    const response = await acme.request('POST', '/Users', {
      userName: 'big',
      padding: 'x'.repeat(11 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ schemas: [ERROR], status: '413' });
  });

  it('isolates organizations: a token never sees or changes another organization', async () => {
    const user = (await acme.request('POST', '/Users', oktaUser())).body;
    const group = (
      await acme.request('POST', '/Groups', {
        schemas: [GROUP],
        displayName: 'Acme only',
        members: [{ value: user.id }],
      })
    ).body;
    expect((await globex.request('GET', `/Users/${user.id}`)).status).toBe(404);
    expect((await globex.request('GET', `/Groups/${group.id}`)).status).toBe(404);
    expect(
      (
        await globex.request(
          'GET',
          `/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`,
        )
      ).body.totalResults,
    ).toBe(0);
    expect(
      (
        await globex.request('PATCH', `/Users/${user.id}`, {
          schemas: [PATCH],
          Operations: [{ op: 'replace', value: { active: false } }],
        })
      ).status,
    ).toBe(404);
    expect((await globex.request('PUT', `/Users/${user.id}`, { userName: 'stolen' })).status).toBe(
      404,
    );
    expect((await globex.request('DELETE', `/Users/${user.id}`)).status).toBe(404);
    expect((await globex.request('DELETE', `/Groups/${group.id}`)).status).toBe(404);
    // Another organization's user can't be made a member.
    const theirs = (
      await globex.request('POST', '/Groups', { schemas: [GROUP], displayName: 'Globex' })
    ).body;
    const steal = await globex.request('PATCH', `/Groups/${theirs.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });
    expect(steal.status).toBe(400);
    // The same userName may exist in both organizations.
    expect(
      (await globex.request('POST', '/Users', { ...oktaUser(), userName: user.userName })).status,
    ).toBe(201);
    const still = await acme.request('GET', `/Users/${user.id}`);
    expect(still.body).toMatchObject({ active: true, userName: user.userName });
  });

  it('serves discovery documents that describe what is supported', async () => {
    const config = await acme.request('GET', '/ServiceProviderConfig');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 1000 },
      etag: { supported: true },
      sort: { supported: false },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
    });
    const types = await acme.request('GET', '/ResourceTypes');
    expect(types.body.Resources.map((type: { id: string }) => type.id)).toEqual(['User', 'Group']);
    expect(types.body.Resources[0].schemaExtensions).toEqual([
      { schema: ENTERPRISE, required: false },
    ]);
    const schemas = await acme.request('GET', '/Schemas');
    expect(schemas.body.Resources.map((schema: { id: string }) => schema.id)).toEqual([
      USER,
      ENTERPRISE,
      GROUP,
    ]);
    const user = await acme.request('GET', `/Schemas/${USER}`);
    const userName = user.body.attributes.find(
      (attribute: { name: string }) => attribute.name === 'userName',
    );
    expect(userName).toMatchObject({ caseExact: false, uniqueness: 'server', required: true });
    const enterprise = await acme.request('GET', `/Schemas/${ENTERPRISE}`);
    expect(
      enterprise.body.attributes.map((attribute: { name: string }) => attribute.name),
    ).toContain('manager');
  });
});
