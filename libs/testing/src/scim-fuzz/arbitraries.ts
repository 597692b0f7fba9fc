import fc from 'fast-check';

// Generators of hostile SCIM requests: filters, bodies, PATCH operations, paths and headers. Each
// request names only the fuzzed organization's victims and another organization's resources
// (which must stay untouched); never the canaries.

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface FuzzIds {
  victimUsers: string[];
  victimGroups: string[];
  // Another organization's user and group: named in paths, members and filters, never reachable.
  foreignUser: string;
  foreignGroup: string;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\udbff\udfff',
  '%',
  '_',
  '\\',
  '%_\\',
  '"',
  "'; DROP TABLE x; --",
  'Ω😀',
  'a'.repeat(257),
  'b'.repeat(3000),
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '2024-02-30T25:61:61Z',
  '00000000-0000-0000-0000-000000000000',
);
// Built on first use rather than when @steward/testing loads: a `binary` string makes fast-check
// tabulate every code point, ~1 s that each test file importing this library paid.
let scalars: { text: fc.Arbitrary<string>; json: fc.Arbitrary<unknown> } | undefined;
function fuzzScalars(): { text: fc.Arbitrary<string>; json: fc.Arbitrary<unknown> } {
  if (scalars) return scalars;
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
    { weight: 3, arbitrary: nasty },
  );
  const json = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    { weight: 2, arbitrary: text },
    fc.constantFrom(
      'True',
      'False',
      null,
      [],
      {},
      [{ value: 'x@y' }],
      [{ value: 42 }],
      { givenName: 'A' },
      [null],
    ),
  );
  return (scalars = { text, json });
}
// JSON nested deeper than any recursion in the service should go.
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function filters(ids: FuzzIds) {
  const { text } = fuzzScalars();
  const attributes = fc.constantFrom(
    ...['userName', 'USERNAME', 'name.givenName', 'name', 'emails', 'emails.value', 'emails.type'],
    ...['emails.primary', 'active', 'title', 'externalId', 'id', 'meta.lastModified'],
    ...['meta.created', 'meta', 'groups', 'groups.value', 'groups.display', 'phoneNumbers'],
    ...['addresses', 'addresses.country', 'password', 'roles', `${ENTERPRISE}:manager`],
    ...[`${ENTERPRISE}:manager.value`, 'manager', `${ENTERPRISE}:department`, `${USER}:title`],
    ...['members', 'members.value', 'members.$ref', 'displayName', 'nope', 'x.y.z', 'urn:a:b'],
  );
  const operators = fc.constantFrom(
    ...['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'EQ', 'Pr', 'xx'],
  );
  const values = fc.oneof(
    text.map((value) => JSON.stringify(value)),
    fc
      .constantFrom(...[ids.foreignUser, ids.foreignGroup, ...ids.victimUsers])
      .map((id) => `"${id}"`),
    fc.constantFrom('true', 'False', 'null', '42', '-1.5e3', '"\\u0025"', '"\\\\"', '"\\"x"'),
    fc.constantFrom('"\\ud800"', '"\\u0000"', '"2024-01-01T00:00:00Z"', '"0000-01-01T00:00:00Z"'),
    fc.constantFrom('"99999-01-01T00:00:00Z"', 'x', '"unterminated'),
  );
  const comparison = fc
    .tuple(attributes, operators, values)
    .map(([attribute, operator, value]) =>
      operator.toLowerCase() === 'pr' ? `${attribute} pr` : `${attribute} ${operator} ${value}`,
    );
  const { filter } = fc.letrec<{ filter: string }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      comparison,
      fc
        .tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or'), tie('filter'))
        .map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('filter').map((inner) => `not (${inner})`),
      tie('filter').map((inner) => `(${inner})`),
      fc
        .tuple(fc.constantFrom('emails', 'members', 'groups', 'title', 'name'), comparison)
        .map(([attribute, inner]) => `${attribute}[${inner}]`),
      fc
        .tuple(fc.constantFrom('emails', 'phoneNumbers', 'members'), comparison, comparison)
        .map(([attribute, inner, after]) => `${attribute}[${inner}].${after}`),
    ),
  }));
  return fc.oneof(
    { weight: 6, arbitrary: filter },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    fc.constantFrom(
      ...['('.repeat(500), '"unterminated', '[[', 'a[b[c eq 1]]', 'not not not', ''],
      ...[
        'userName eq "a" and',
        ')',
        '"x" eq userName',
        `${'not ('.repeat(40)}id pr${')'.repeat(40)}`,
      ],
    ),
  );
}

const encode = (value: string) => encodeURIComponent(value);

function queries(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const parameter = fc.oneof(
    filters(ids).map((filter) => `filter=${encode(filter)}`),
    fc
      .constantFrom('startIndex', 'count')
      .chain((name) =>
        fc
          .constantFrom('0', '-5', '1', '999999999999', 'abc', '1e3', '')
          .map((v) => `${name}=${v}`),
      ),
    fc
      .constantFrom('attributes', 'excludedAttributes')
      .chain((name) =>
        fc
          .constantFrom(
            'userName',
            'members',
            'emails.value',
            'nope',
            'meta',
            ',,',
            'id',
            'manager',
          )
          .map((v) => `${name}=${encode(v)}`),
      ),
    fc.constantFrom('filter=a&filter=b', 'sortBy=userName&sortOrder=descending', '%zz=1'),
  );
  // Pages stay small: the fuzz is after wrong answers, and a hundred users a page is the bench's.
  const page = fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 0, max: 5 }).map((count) => `count=${count}`) },
    { weight: 1, arbitrary: fc.constantFrom('count=-5', 'count=abc', 'count=1e3', 'count=') },
  );
  return fc
    .tuple(
      fc.constantFrom('/Users', '/Groups', '', '/'),
      fc.array(parameter, { maxLength: 3 }),
      page,
    )
    .map(([path, parameters, count]) => ({
      method: 'GET',
      path: `${path}?${[...parameters, count].join('&')}`,
      headers: {},
    }));
}

function searches(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const { json } = fuzzScalars();
  const body = fc.record(
    {
      schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:SearchRequest']),
      filter: fc.oneof(filters(ids), json),
      startIndex: fc.oneof(fc.integer(), json),
      count: fc.oneof(fc.integer({ min: -10, max: 5 }), json),
      attributes: fc.oneof(fc.constant(['userName']), json),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(fc.constantFrom('/.search', '/Users/.search', '/Groups/.search'), body)
    .map(([path, search]) => ({ method: 'POST', path, headers: {}, body: JSON.stringify(search) }));
}

const userKeys = fc.constantFrom(
  ...['userName', 'name', 'displayName', 'active', 'emails', 'phoneNumbers', 'addresses'],
  ...['title', 'externalId', 'id', 'meta', 'groups', 'password', 'roles', 'locale', 'shoeSize'],
  ...[ENTERPRISE, 'urn:example:unknown', 'schemas', 'Emails', 'USERNAME', 'manager'],
);

function userBodies(): fc.Arbitrary<string> {
  const { json } = fuzzScalars();
  const base = fc.record({
    schemas: fc.constant([USER]),
    userName: fc.oneof(
      { weight: 4, arbitrary: fc.uuid().map((id) => `fuzz-${id}@example.com`) },
      { weight: 1, arbitrary: fc.constantFrom('same@example.com', 'SAME@example.com') },
      { weight: 1, arbitrary: json },
    ),
    active: fc.oneof(fc.boolean(), json),
  });
  const extra = fc.dictionary(userKeys, json, { maxKeys: 4 });
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(base, extra).map(([b, e]) => JSON.stringify({ ...b, ...e })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    fc.constantFrom('', '{', 'null', '[]', '"x"', deep(20_000), `{"userName":${deep(3000)}}`),
    fc.constantFrom(
      '{"userName":"\\ud800@x"}',
      '{"userName":"a@x","name":{"givenName":"\\u0000"}}',
    ),
    fc.constantFrom(`{"userName":"x@y","emails":[${'{"value":"e"},'.repeat(200)}{"value":"e"}]}`),
  );
}

function patchBodies(ids: FuzzIds): fc.Arbitrary<string> {
  const { json } = fuzzScalars();
  const paths = fc.oneof(
    fc.constantFrom(
      ...['active', 'title', 'name', 'name.givenName', 'emails', 'emails[type eq "work"]'],
      ...['emails[type eq "work"].value', 'emails[value co "@"].primary', 'members', 'id', 'meta'],
      ...['groups', 'displayName', `${ENTERPRISE}:manager`, ENTERPRISE, 'manager', 'nope'],
      ...['emails[', 'emails]x', 'urn:x:y', 'roles[primary eq "True"].value', 'userName'],
      ...[`members[value eq "${ids.foreignUser}"]`, `members[value eq "${ids.victimUsers[0]}"]`],
    ),
    fc.string({ maxLength: 20 }),
  );
  const members = fc
    .array(fc.constantFrom(...ids.victimUsers, ids.foreignUser, ids.foreignGroup, 'not-a-uuid'), {
      maxLength: 3,
    })
    .map((values) => values.map((value) => ({ value })));
  const operation = fc.record(
    {
      op: fc.constantFrom('add', 'remove', 'replace', 'Add', 'Remove', 'Replace', 'move', ''),
      path: paths,
      value: fc.oneof(json, members),
    },
    { requiredKeys: ['op'] },
  );
  return fc
    .oneof(
      { weight: 8, arbitrary: fc.array(operation, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: json },
    )
    .map((operations) => JSON.stringify({ schemas: [PATCH_OP], Operations: operations }));
}

function writes(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const { text, json } = fuzzScalars();
  const victim = fc.constantFrom(...ids.victimUsers.map((id) => `/Users/${id}`));
  const group = fc.constantFrom(...ids.victimGroups.map((id) => `/Groups/${id}`));
  const groupBody = fc
    .record({ schemas: fc.constant([GROUP]), displayName: fc.oneof(text, json), members: json })
    .map((body) => JSON.stringify(body));
  const request = (method: string, path: fc.Arbitrary<string>, body: fc.Arbitrary<string>) =>
    fc.tuple(path, body).map(([p, b]) => ({ method, path: p, headers: {}, body: b }));
  return fc.oneof(
    { weight: 4, arbitrary: request('POST', fc.constant('/Users'), userBodies()) },
    { weight: 1, arbitrary: request('POST', fc.constant('/Groups'), groupBody) },
    { weight: 2, arbitrary: request('PUT', victim, userBodies()) },
    { weight: 1, arbitrary: request('PUT', group, groupBody) },
    { weight: 4, arbitrary: request('PATCH', fc.oneof(victim, group), patchBodies(ids)) },
  );
}

function paths(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const { json } = fuzzScalars();
  const path = fc.oneof(
    fc.constantFrom(
      ...[`/Users/${ids.foreignUser}`, `/Groups/${ids.foreignGroup}`, `/Users/${ids.foreignGroup}`],
      ...[
        `/Users/${ids.foreignUser.toUpperCase()}`,
        '/Users/%zz',
        '/Users/%E0%A4%A',
        '/%',
        '/Users/..x',
      ],
      ...['/Users/%2F..%2FGroups', '/Users/a/b', '/Schemas/urn:x', '/Bulk', '/Me', '/.search', '/'],
      ...['/ResourceTypes/User', '/ResourceTypes/Nope', '/ServiceProviderConfig/x', '/users'],
      ...[`/Groups/${ids.foreignGroup}?attributes=members`, '/Users/.search', '/Users?count=%'],
    ),
    fc.string({ maxLength: 16 }).map((tail) => `/${encode(tail)}`),
  );
  return fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND'),
      path,
      fc.option(
        json.map((value) => JSON.stringify(value)),
        { nil: undefined },
      ),
    )
    .map(([method, p, body]) => ({
      method,
      path: p,
      headers: {},
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    }));
}

function headers(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const header = fc.oneof(
    fc
      .constantFrom(
        ...[
          'text/plain',
          'application/xml',
          'application/scim+json; charset=latin1',
          'multipart/x',
        ],
        ...['application/json', 'application/scim+json;', '*/*', 'application/scim+json'],
      )
      .map((type) => ({ 'content-type': type })),
    fc
      .constantFrom('', 'Bearer', 'Bearer x', 'Basic Zm9vOmJhcg==', 'bearer  ', 'Bearer stw_scim_x')
      .map((authorization) => ({ authorization })),
    fc
      .constantFrom('*', 'W/"1"', '"x"', 'W/"999999999999"', ',', 'W/', '"1", W/"2"')
      .map((tag) => ({ 'if-match': tag, 'if-none-match': tag })),
    fc.constantFrom('x'.repeat(4000)).map((value) => ({ 'x-long': value })),
  );
  const target = fc.constantFrom(
    ...ids.victimUsers.map((id) => `/Users/${id}`),
    `/Users/${ids.foreignUser}`,
    '/Users',
  );
  return fc
    .tuple(fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'POST'), target, header, userBodies())
    .map(([method, path, extra, body]) => ({
      method,
      path,
      headers: extra,
      body: method === 'GET' ? undefined : body,
    }));
}

// One request of any kind, weighted towards the ones that reach the database.
export function fuzzRequests(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 30, arbitrary: queries(ids) },
    { weight: 5, arbitrary: searches(ids) },
    { weight: 35, arbitrary: writes(ids) },
    { weight: 15, arbitrary: paths(ids) },
    { weight: 10, arbitrary: headers(ids) },
  );
}
