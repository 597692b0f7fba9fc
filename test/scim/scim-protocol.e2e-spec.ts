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
      [{ userName: 'x@example.com', 'urn:example:unknown': { shoeSize: 44 } }, 'invalidSyntax'],
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

  it("answers Fastify's own errors under /scim/v2 as SCIM errors: a bad URL, a method no endpoint has", async () => {
    const raw = async (method: string, path: string) => {
      // node:http sends the path as written (fetch would normalise it).
      const { request } = await import('node:http');
      const { port } = new URL(api.url);
      return new Promise<{ status: number; type: string; body: unknown }>((resolve, reject) => {
        const outgoing = request(
          { host: '127.0.0.1', port, method, path, headers: { authorization: 'Bearer x' } },
          (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () =>
              resolve({
                status: response.statusCode ?? 0,
                type: String(response.headers['content-type']),
                body: text ? JSON.parse(text) : undefined,
              }),
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
    };
    for (const [method, path, status] of [
      ['GET', '/scim/v2/Users/%E0%A4%A', 400],
      ['GET', '/scim/v2/%zz', 400],
      ['PROPFIND', '/scim/v2/Users', 405],
      ['PATCH', '/scim/v2/Users', 405],
      ['DELETE', '/scim/v2/Schemas', 405],
      ['GET', '/scim/v2/Bulk', 404],
    ] as const) {
      const response = await raw(method, path);
      expect({
        method,
        path,
        status: response.status,
        type: response.type,
        body: response.body,
      }).toEqual({
        method,
        path,
        status,
        type: expect.stringMatching(/^application\/scim\+json/),
        body: expect.objectContaining({ schemas: [ERROR], status: String(status) }),
      });
    }
    // The rest of the API keeps its problem+json.
    const outside = await raw('GET', '/api/%E0%A4%A');
    expect(outside).toMatchObject({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    const allowed = await fetch(`${api.url}/scim/v2/Users/x`, { method: 'POST' });
    expect(allowed.status).toBe(405);
    expect(allowed.headers.get('allow')).toBe('GET, HEAD, PUT, PATCH, DELETE');
  });

  it('deletes with Content-Type application/scim+json and an empty body', async () => {
    const user = (await acme.request('POST', '/Users', oktaUser())).body;
    const response = await acme.request('DELETE', `/Users/${user.id}`, '', {
      'content-type': 'application/scim+json',
    });
    expect(response.status).toBe(204);
    expect((await acme.request('GET', `/Users/${user.id}`)).status).toBe(404);
  });

  it('searches every resource type from the server root (GET / and POST /.search)', async () => {
    const tag = `root${Date.now()}`;
    const user = (await acme.request('POST', '/Users', { ...oktaUser(), displayName: tag })).body;
    const group = (await acme.request('POST', '/Groups', { schemas: [GROUP], displayName: tag }))
      .body;
    const search = await acme.request('POST', '/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `displayName eq "${tag}"`,
      attributes: ['displayName'],
    });
    expect(search.status).toBe(200);
    expect(search.body).toMatchObject({ totalResults: 2, itemsPerPage: 2, startIndex: 1 });
    expect(search.body.Resources).toEqual([
      { schemas: [USER], id: user.id, displayName: tag },
      { schemas: [GROUP], id: group.id, displayName: tag },
    ]);
    // Pages run across the types; an attribute only users have matches no group.
    const second = await acme.request(
      'GET',
      `?filter=${encodeURIComponent(`displayName eq "${tag}"`)}&startIndex=2&count=1`,
    );
    expect(second.body.Resources.map((resource: { id: string }) => resource.id)).toEqual([
      group.id,
    ]);
    const users = await acme.request(
      'GET',
      `?filter=${encodeURIComponent(`displayName eq "${tag}" and userName pr`)}`,
    );
    expect(users.body.totalResults).toBe(1);
    const neither = await acme.request('GET', `?filter=${encodeURIComponent('shoeSize eq 44')}`);
    expect(neither.body).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });

  it('answers the same fault with the same scimType on POST, PUT and PATCH', async () => {
    const user = (await acme.request('POST', '/Users', oktaUser())).body;
    const faults: [string, Record<string, unknown>, string][] = [
      ['an unknown attribute', { shoeSize: 44 }, 'invalidSyntax'],
      ['an unknown sub-attribute', { name: { nickname: 'x' } }, 'invalidSyntax'],
      ['a wrong type', { active: 'maybe' }, 'invalidValue'],
      ['an unpaired surrogate', { displayName: 'a\ud800b' }, 'invalidValue'],
      ['NUL', { title: 'a\u0000b' }, 'invalidValue'],
      ['an over-long value', { title: 'x'.repeat(3000) }, 'invalidValue'],
      [
        'too many values',
        { emails: Array.from({ length: 101 }, (_, i) => ({ value: `${i}@x` })) },
        'tooMany',
      ],
    ];
    for (const [fault, attributes, scimType] of faults) {
      const post = await acme.request('POST', '/Users', { ...oktaUser(), ...attributes });
      const put = await acme.request('PUT', `/Users/${user.id}`, {
        userName: user.userName,
        ...attributes,
      });
      const patch = await acme.request('PATCH', `/Users/${user.id}`, {
        schemas: [PATCH],
        Operations: [{ op: 'add', value: attributes }],
      });
      expect({
        fault,
        answers: [post, put, patch].map((r) => [r.status, r.body.scimType]),
      }).toEqual({
        fault,
        answers: [
          [400, scimType],
          [400, scimType],
          [400, scimType],
        ],
      });
    }
    expect((await acme.request('GET', `/Users/${user.id}`)).body.meta.version).toBe(
      user.meta.version,
    );
  });

  it('accepts what a directory does not keep when it carries no data, or is a core attribute it ignores', async () => {
    const user = await acme.request('POST', '/Users', {
      ...oktaUser(),
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0User', 'urn:example:x'],
      roles: [{ value: 'admin', primary: true }],
      entitlements: [],
      department: null,
      manager: null,
      'urn:example:x': {},
    });
    expect(user.status).toBe(201);
    expect(user.body.roles).toBeUndefined();
    const patched = await acme.request('PATCH', `/Users/${user.body.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'Add', path: 'roles[primary eq "True"].value', value: 'User' },
        { op: 'Replace', value: { roles: [], title: 'Kept' } },
      ],
    });
    expect(patched.body).toMatchObject({ title: 'Kept' });
    expect(patched.body.roles).toBeUndefined();
  });
});
