import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import {
  attributesOf,
  expectedBack,
  filterPaths,
  fullBody,
  returnedByDefault,
  valueAt,
  valueFor,
  writable,
} from './conformance';
import type { Located, References, SchemaDoc } from './conformance';
import { oktaUser, PATCH, scimClient } from './scim-support';
import type { ScimClient } from './scim-support';

// An RFC 7643/7644 conformance test set of our own, modelled on python-scim's scim2-tester checkers
// and Okta's SPEC test: it reads what ServiceProviderConfig, ResourceTypes and Schemas advertise
// and checks every operation on every attribute advertised.

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

// The attributes docs/scim.md says filters may name; any other is invalidFilter.
const FILTERABLE: Record<string, string[]> = {
  User: [
    ...['id', 'externalId', 'meta.created', 'meta.lastModified', 'userName', 'displayName'],
    ...['nickName', 'profileUrl', 'title', 'userType', 'preferredLanguage', 'locale', 'timezone'],
    ...['active', 'name.formatted', 'name.familyName', 'name.givenName', 'name.middleName'],
    ...['name.honorificPrefix', 'name.honorificSuffix', 'groups.value', 'groups.display'],
    ...['emails.value', 'emails.type', 'emails.display', 'emails.primary', 'phoneNumbers.value'],
    ...['phoneNumbers.type', 'phoneNumbers.display', 'phoneNumbers.primary'],
    ...['employeeNumber', 'costCenter', 'organization', 'division', 'department'].map(
      (name) => `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:${name}`,
    ),
    ...['value', '$ref', 'displayName'].map(
      (sub) => `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.${sub}`,
    ),
  ],
  Group: ['id', 'externalId', 'meta.created', 'meta.lastModified', 'displayName', 'members.value'],
};

let api: TestApi;
let scim: ScimClient;
let config: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let schemas: SchemaDoc[];
let types: {
  id: string;
  endpoint: string;
  schema: string;
  schemaExtensions: { schema: string }[];
}[];
const references: References = { users: [] };

beforeAll(async () => {
  api = await startTestApi();
  scim = await scimClient(api, 'Conformance');
  config = (await scim.request('GET', '/ServiceProviderConfig')).body;
  schemas = (await scim.request('GET', '/Schemas')).body.Resources;
  types = (await scim.request('GET', '/ResourceTypes')).body.Resources;
  for (let index = 0; index < 3; index++) {
    const user = (await scim.request('POST', '/Users', oktaUser())).body;
    references.users.push({ id: user.id, location: user.meta.location });
  }
});

afterAll(() => api.close());

describe('SCIM conformance: discovery (RFC 7644 section 4)', () => {
  it('serves ServiceProviderConfig with every capability stated', async () => {
    expect(config).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: expect.any(Boolean) },
      bulk: { supported: expect.any(Boolean) },
      filter: { supported: expect.any(Boolean), maxResults: expect.any(Number) },
      changePassword: { supported: expect.any(Boolean) },
      sort: { supported: expect.any(Boolean) },
      etag: { supported: expect.any(Boolean) },
      authenticationSchemes: [expect.objectContaining({ type: expect.any(String) })],
    });
  });

  it('lists resource types whose schemas and extensions /Schemas serves, each by id', async () => {
    const ids = schemas.map((schema) => schema.id);
    for (const type of types) {
      expect(ids).toContain(type.schema);
      for (const extension of type.schemaExtensions) expect(ids).toContain(extension.schema);
      expect((await scim.request('GET', `/ResourceTypes/${type.id}`)).body).toEqual(type);
      expect((await scim.request('GET', type.endpoint)).body.schemas).toEqual([LIST]);
    }
    for (const schema of schemas)
      expect((await scim.request('GET', `/Schemas/${schema.id}`)).body).toEqual(schema);
  });

  it('answers an unknown schema, resource type or URL 404 and other methods 405, as SCIM errors', async () => {
    for (const path of ['/Schemas/urn:x:unknown', '/ResourceTypes/Nope', `/${Date.now()}`]) {
      expect((await scim.request('GET', path)).body).toMatchObject({
        schemas: [ERROR],
        status: '404',
      });
    }
    for (const path of ['/Schemas', '/ResourceTypes', '/ServiceProviderConfig'])
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'])
        expect((await scim.request(method, path, {})).body).toMatchObject({
          schemas: [ERROR],
          status: '405',
        });
  });
});

function typeOf(name: string) {
  const type = types.find((candidate) => candidate.id === name)!;
  const core = schemas.find((schema) => schema.id === type.schema)!;
  const extensions = type.schemaExtensions.map((extension) =>
    schemas.find((schema) => schema.id === extension.schema)!,
  );
  return { type, core, extensions, attributes: attributesOf(core, extensions) };
}

// Every attribute the service was sent and returns comes back as sent.
function expectAsSent(
  resource: Record<string, unknown>,
  sent: Record<string, unknown>,
  attributes: Located[],
) {
  for (const located of attributes) {
    const { attribute } = located;
    if (!writable(attribute)) continue;
    const value = valueAt(resource, located);
    if (!returnedByDefault(attribute)) {
      expect({ path: located.path, value }).toEqual({ path: located.path, value: undefined });
      continue;
    }
    const expected = expectedBack(attribute, valueAt(sent, located));
    expect({ path: located.path, value }).toMatchObject({ path: located.path, value: expected });
  }
}

describe.each(['User', 'Group'])('SCIM conformance: %s resources', (kind) => {
  let created: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let body: Record<string, unknown>;

  beforeAll(async () => {
    const { core, extensions, type } = typeOf(kind);
    body = fullBody(core, extensions, references);
    const response = await scim.request('POST', type.endpoint, body);
    expect(response.status).toBe(201);
    created = response.body;
  });

  it('creates with every writable attribute: 201, Location, ETag, meta, each attribute as sent', async () => {
    const { attributes, type } = typeOf(kind);
    expect(created).toMatchObject({
      id: expect.any(String),
      meta: {
        resourceType: type.id,
        created: expect.any(String),
        lastModified: expect.any(String),
        location: expect.stringContaining(`${type.endpoint}/${created.id}`),
        version: expect.any(String),
      },
    });
    expectAsSent(created, body, attributes);
    const read = await scim.request('GET', `${type.endpoint}/${created.id}`);
    expect(read.body).toEqual(created);
    expect(read.headers.get('etag')).toBe(created.meta.version);
  });

  it('ignores read-only attributes in a request body (id, meta)', async () => {
    const { core, extensions, type } = typeOf(kind);
    const response = await scim.request('POST', type.endpoint, {
      ...fullBody(core, extensions, references),
      id: 'chosen-by-client',
      meta: { resourceType: 'Nope', created: '2001-01-01T00:00:00Z', version: 'W/"99"' },
    });
    expect(response.status).toBe(201);
    expect(response.body.id).not.toBe('chosen-by-client');
    expect(response.body.meta).toMatchObject({ resourceType: type.id, version: 'W/"1"' });
  });

  it('replaces with PUT: every writable attribute as sent, the version moved', async () => {
    const { core, extensions, attributes, type } = typeOf(kind);
    const replacement = fullBody(core, extensions, references);
    const response = await scim.request('PUT', `${type.endpoint}/${created.id}`, replacement);
    expect(response.status).toBe(200);
    expectAsSent(response.body, replacement, attributes);
    expect(response.body.meta.version).not.toBe(created.meta.version);
    created = response.body;
  });

  it('PATCH replaces, adds and removes every writable attribute, by path', async () => {
    const { attributes, type } = typeOf(kind);
    const path = `${type.endpoint}/${created.id}`;
    for (const located of attributes.filter(({ attribute }) => writable(attribute))) {
      const { attribute } = located;
      for (const op of ['replace', 'add'] as const) {
        const value = valueFor(attribute, references, op === 'add' ? 2 : 1);
        const response = await scim.request('PATCH', path, {
          schemas: [PATCH],
          Operations: [{ op, path: located.path, value }],
        });
        expect({ path: located.path, op, status: response.status }).toEqual({
          path: located.path,
          op,
          status: 200,
        });
        const read = (await scim.request('GET', path)).body;
        if (!returnedByDefault(attribute)) continue;
        const now = valueAt(read, located);
        const expected = expectedBack(attribute, value);
        if (op === 'add' && attribute.multiValued)
          expect({ path: located.path, now }).toMatchObject({
            path: located.path,
            now: expect.arrayContaining([expect.objectContaining((expected as object[])[0])]),
          });
        else
          expect({ path: located.path, now }).toMatchObject({ path: located.path, now: expected });
      }
      if (attribute.required) continue;
      const removed = await scim.request('PATCH', path, {
        schemas: [PATCH],
        Operations: [{ op: 'remove', path: located.path }],
      });
      expect({ path: located.path, status: removed.status }).toEqual({
        path: located.path,
        status: 200,
      });
      const read = (await scim.request('GET', path)).body;
      expect({ path: located.path, value: valueAt(read, located) }).toEqual({
        path: located.path,
        value: undefined,
      });
    }
  });

  it('answers a filter on every advertised attribute: found where docs/scim.md says filterable, else invalidFilter', async () => {
    const { core, extensions, type } = typeOf(kind);
    const fresh = (
      await scim.request('POST', type.endpoint, fullBody(core, extensions, references))
    ).body;
    for (const { path, value } of filterPaths(fresh, core, extensions)) {
      for (const filter of [`${path} eq ${JSON.stringify(value)}`, `${path} pr`]) {
        const response = await scim.request(
          'GET',
          `${type.endpoint}?filter=${encodeURIComponent(`${filter} and id eq "${fresh.id}"`)}&attributes=id`,
        );
        const outcome = FILTERABLE[kind].includes(path)
          ? { status: 200, found: [fresh.id] }
          : { status: 400, scimType: 'invalidFilter' };
        expect({
          filter,
          status: response.status,
          ...(response.status === 200
            ? { found: response.body.Resources.map((resource: { id: string }) => resource.id) }
            : { scimType: response.body.scimType }),
        }).toEqual({ filter, ...outcome });
      }
    }
  });

  it('shapes responses with attributes and excludedAttributes, on reads, lists and searches', async () => {
    const { core, extensions, attributes, type } = typeOf(kind);
    created = (await scim.request('POST', type.endpoint, fullBody(core, extensions, references)))
      .body;
    const path = `${type.endpoint}/${created.id}`;
    for (const located of attributes.filter(({ attribute }) => attribute.returned === 'default')) {
      if (valueAt(created, located) === undefined) continue;
      const only = (
        await scim.request('GET', `${path}?attributes=${encodeURIComponent(located.path)}`)
      ).body;
      expect(Object.keys(only).sort()).toEqual(
        ['id', 'schemas', located.urn ?? located.attribute.name].sort(),
      );
      const without = (
        await scim.request('GET', `${path}?excludedAttributes=${encodeURIComponent(located.path)}`)
      ).body;
      expect({ path: located.path, value: valueAt(without, located) }).toEqual({
        path: located.path,
        value: undefined,
      });
      expect(without.id).toBe(created.id);
      const search = await scim.request('POST', `${type.endpoint}/.search`, {
        filter: `id eq "${created.id}"`,
        attributes: [located.path],
      });
      expect(Object.keys(search.body.Resources[0]).sort()).toEqual(Object.keys(only).sort());
    }
  });

  it('pages lists with startIndex and count, and ignores sortBy as ServiceProviderConfig says', async () => {
    const { type } = typeOf(kind);
    expect(config.sort.supported).toBe(false);
    const all = (await scim.request('GET', `${type.endpoint}?count=1000&attributes=id`)).body;
    expect(all).toMatchObject({ schemas: [LIST], startIndex: 1 });
    const second = (
      await scim.request('GET', `${type.endpoint}?startIndex=2&count=1&attributes=id&sortBy=id`)
    ).body;
    expect(second).toMatchObject({
      totalResults: all.totalResults,
      startIndex: 2,
      itemsPerPage: 1,
    });
    expect(second.Resources[0].id).toBe(all.Resources[1].id);
    const none = (await scim.request('GET', `${type.endpoint}?count=0`)).body;
    expect(none).toMatchObject({ totalResults: all.totalResults, itemsPerPage: 0, Resources: [] });
  });

  it('honours ETags as ServiceProviderConfig says: 304 for the current one, 412 for a stale one', async () => {
    const { type } = typeOf(kind);
    expect(config.etag.supported).toBe(true);
    const path = `${type.endpoint}/${created.id}`;
    const current = (await scim.request('GET', path)).body.meta.version;
    expect((await scim.request('GET', path, undefined, { 'if-none-match': current })).status).toBe(
      304,
    );
    const moved = await scim.request(
      'PATCH',
      path,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'externalId', value: 'moved' }] },
      { 'if-match': current },
    );
    expect(moved.status).toBe(200);
    const stale = await scim.request(
      'PATCH',
      path,
      { schemas: [PATCH], Operations: [{ op: 'replace', path: 'externalId', value: 'x' }] },
      { 'if-match': current },
    );
    expect(stale.body).toMatchObject({ schemas: [ERROR], status: '412' });
  });

  it('deletes: 204, then 404 as a SCIM error, and a second delete 404', async () => {
    const { type } = typeOf(kind);
    const path = `${type.endpoint}/${created.id}`;
    expect((await scim.request('DELETE', path)).status).toBe(204);
    expect((await scim.request('GET', path)).body).toMatchObject({
      schemas: [ERROR],
      status: '404',
    });
    expect((await scim.request('DELETE', path)).status).toBe(404);
  });
});
