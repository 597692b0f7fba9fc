import fc from 'fast-check';
import { startTestApi } from '../support/api';
import type { TestApi } from '../support/api';
import { ENTERPRISE, entraUser, GROUP, PATCH, scimClient } from './scim-support';
import type { ScimClient } from './scim-support';

let api: TestApi;
let scim: ScimClient;
let userId: string;
let groupId: string;

beforeAll(async () => {
  api = await startTestApi();
  scim = await scimClient(api, 'Fuzz');
  userId = (await scim.request('POST', '/Users', entraUser())).body.id;
  groupId = (
    await scim.request('POST', '/Groups', {
      schemas: [GROUP],
      displayName: 'Fuzz',
      members: [{ value: userId }],
    })
  ).body.id;
});

afterAll(() => api.close());

const attributes = [
  'userName',
  'USERNAME',
  'name.givenName',
  'emails',
  'emails.value',
  'emails.type',
  'emails.primary',
  'active',
  'title',
  'externalId',
  'id',
  'meta.lastModified',
  'meta.created',
  'groups.value',
  'phoneNumbers',
  'addresses',
  'password',
  `${ENTERPRISE}:manager.value`,
  `${ENTERPRISE}:department`,
  'members',
  'members.value',
  'displayName',
  'nope',
  '',
];
const operators = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'EQ', 'xx'];
const values = fc.oneof(
  fc.string({ maxLength: 12 }).map((text) => JSON.stringify(text)),
  fc.constantFrom(
    'true',
    'false',
    'null',
    '42',
    '"2024-01-01T00:00:00Z"',
    '"\\u0000"',
    '"%_\\\\"',
    `"${'x'.repeat(300)}"`,
  ),
);
const comparison = fc
  .tuple(fc.constantFrom(...attributes), fc.constantFrom(...operators), values)
  .map(([attribute, operator, value]) =>
    operator.toLowerCase() === 'pr' ? `${attribute} pr` : `${attribute} ${operator} ${value}`,
  );
const { filter } = fc.letrec<{ filter: string }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small' },
    comparison,
    fc
      .tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND'), tie('filter'))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    tie('filter').map((inner) => `not (${inner})`),
    tie('filter').map((inner) => `(${inner})`),
    fc
      .tuple(fc.constantFrom('emails', 'members', 'title'), comparison)
      .map(([attribute, inner]) => `${attribute}[${inner}]`),
  ),
}));
const noise = fc.oneof(
  filter,
  fc.string({ maxLength: 40 }),
  fc.constantFrom('('.repeat(500), '"unterminated', '[[', 'a[b[c eq 1]]'),
);

async function snapshot() {
  const user = await scim.request('GET', `/Users/${userId}`);
  const group = await scim.request('GET', `/Groups/${groupId}`);
  return { user: user.body, group: group.body };
}

describe('SCIM fuzz', () => {
  it('never answers 5xx to any filter', async () => {
    await fc.assert(
      fc.asyncProperty(noise, fc.constantFrom('/Users', '/Groups'), async (text, path) => {
        const response = await scim.request('GET', `${path}?filter=${encodeURIComponent(text)}`);
        expect([200, 400]).toContain(response.status);
        if (response.status === 400) expect(response.body.scimType).toBe('invalidFilter');
      }),
      { numRuns: 300 },
    );
  });

  const paths = fc.oneof(
    fc.constantFrom(
      'active',
      'title',
      'name',
      'name.givenName',
      'emails',
      'emails[type eq "work"]',
      'emails[type eq "work"].value',
      'emails[value co "@"].primary',
      'members',
      `members[value eq "${'0'.repeat(8)}"]`,
      'id',
      'meta',
      'groups',
      'displayName',
      `${ENTERPRISE}:manager`,
      `${ENTERPRISE}`,
      'nope',
      'emails[',
      'emails]x',
      'urn:x:y',
      'phoneNumbers[type eq "mobile"]',
    ),
    fc.string({ maxLength: 20 }),
  );
  const jsonValues = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(
      'True',
      'False',
      null,
      [{ value: 'x@y' }],
      { givenName: 'A' },
      { active: 'False' },
      [{ value: 42 }],
    ),
  );
  const operation = fc.record(
    {
      op: fc.constantFrom('add', 'remove', 'replace', 'Add', 'Remove', 'Replace', 'move', ''),
      path: paths,
      value: jsonValues,
    },
    { requiredKeys: ['op'] },
  );

  it('never answers 5xx to a PATCH, and a refused PATCH changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(operation, { minLength: 1, maxLength: 4 }),
        fc.constantFrom('Users', 'Groups'),
        async (operations, kind) => {
          const before = await snapshot();
          const id = kind === 'Users' ? userId : groupId;
          const response = await scim.request('PATCH', `/${kind}/${id}`, {
            schemas: [PATCH],
            Operations: operations,
          });
          expect([200, 400, 409]).toContain(response.status);
          if (response.status !== 200) expect(await snapshot()).toEqual(before);
        },
      ),
      { numRuns: 300 },
    );
  });
});
