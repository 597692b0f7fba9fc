import { ScimError, ScimErrorCode } from './scim.errors';
import { applyPatch, PatchOperation, preparePatch } from './scim.patch';
import { normalizeResource } from './scim.resource';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, RESOURCE_SCHEMAS, USER_SCHEMA } from './scim.schemas';

const USER = RESOURCE_SCHEMAS.User;
const GROUP = RESOURCE_SCHEMAS.Group;

const alice = () =>
  normalizeResource(USER, {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    userName: 'alice@example.com',
    active: true,
    name: { givenName: 'Alice', familyName: 'Liddell' },
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'alice@home.example', type: 'home' },
    ],
    [ENTERPRISE_SCHEMA]: { department: 'R&D', manager: { value: 'm-1' } },
  });

const patch = (current: Record<string, unknown>, operations: PatchOperation[], schema = USER) =>
  applyPatch(schema, current, preparePatch(schema, operations), 'id-1');

function refusal(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a SCIM error');
}

describe('SCIM PATCH', () => {
  it('takes Okta’s path-less replace and Entra’s capitalised, URN-qualified operations', () => {
    expect(patch(alice(), [{ op: 'replace', value: { active: false } }]).active).toBe(false);
    const entra = patch(alice(), [
      { op: 'Replace', path: 'name.givenName', value: 'Ally' },
      { op: 'Add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Sales' },
    ]);
    expect(entra.name).toMatchObject({ givenName: 'Ally', familyName: 'Liddell' });
    expect(entra[ENTERPRISE_SCHEMA]).toMatchObject({ department: 'Sales' });
  });

  it('changes only the values a value filter selects', () => {
    const result = patch(alice(), [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'alice@new.example' },
    ]);
    expect(result.emails).toEqual([
      expect.objectContaining({ value: 'alice@new.example', type: 'work' }),
      expect.objectContaining({ value: 'alice@home.example', type: 'home' }),
    ]);
  });

  it('removes by filter, and drops an extension set to null', () => {
    const result = patch(alice(), [
      { op: 'remove', path: 'emails[type eq "home"]' },
      { op: 'replace', value: { [ENTERPRISE_SCHEMA]: null } },
    ]);
    expect(result.emails).toEqual([expect.objectContaining({ type: 'work' })]);
    expect(result[ENTERPRISE_SCHEMA]).toBeUndefined();
  });

  it('adds and removes group members', () => {
    const group = normalizeResource(GROUP, {
      schemas: [GROUP_SCHEMA],
      displayName: 'Engineering',
      members: [{ value: 'u-1' }],
    });
    const result = patch(
      group,
      [
        { op: 'add', path: 'members', value: [{ value: 'u-2' }] },
        { op: 'remove', path: 'members[value eq "u-1"]' },
      ],
      GROUP,
    );
    expect((result.members as { value: string }[]).map((member) => member.value)).toEqual(['u-2']);
  });

  it('refuses bad operations before reading anything, with the SCIM error they deserve', () => {
    expect(refusal(() => preparePatch(USER, [{ op: 'merge', path: 'title' }])).code).toBe(
      ScimErrorCode.InvalidSyntax,
    );
    expect(refusal(() => preparePatch(USER, [{ op: 'remove' }])).code).toBe(ScimErrorCode.NoTarget);
    expect(refusal(() => preparePatch(USER, [{ op: 'replace', value: 'x' }])).code).toBe(
      ScimErrorCode.InvalidValue,
    );
    expect(
      refusal(() => preparePatch(USER, [{ op: 'replace', path: 'favouriteColour', value: 'x' }]))
        .code,
    ).toBe(ScimErrorCode.InvalidPath);
  });

  it('is atomic: a failing step leaves the resource as it was', () => {
    const current = alice();
    const before = structuredClone(current);
    expect(() =>
      patch(current, [
        { op: 'replace', path: 'title', value: 'Lead' },
        { op: 'replace', path: 'active', value: 'not a boolean' },
      ]),
    ).toThrow(ScimError);
    expect(current).toEqual(before);
  });
});
