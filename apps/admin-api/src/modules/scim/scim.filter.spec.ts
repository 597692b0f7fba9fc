import { MATCH_NONE } from '../directory/directory.types';
import { ScimError, ScimErrorCode } from './scim.errors';
import { MAX_FILTER_LENGTH, scimFilter, scimFilterAcross } from './scim.filter';
import { RESOURCE_SCHEMAS } from './scim.schemas';

const USER = RESOURCE_SCHEMAS.User;
const GROUP = RESOURCE_SCHEMAS.Group;

function refusal(run: () => unknown): ScimError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('expected a SCIM error');
}

describe('SCIM filter to directory filter', () => {
  it('resolves attribute names case-insensitively, with and without the schema URN', () => {
    const expected = { op: 'eq', field: 'userName', value: 'alice@example.com' };
    expect(scimFilter(USER, 'userName eq "alice@example.com"')).toEqual(expected);
    expect(scimFilter(USER, 'USERNAME eq "alice@example.com"')).toEqual(expected);
    expect(
      scimFilter(
        USER,
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@example.com"',
      ),
    ).toEqual(expected);
  });

  it('names sub-attributes and the enterprise extension by the directory’s field names', () => {
    expect(scimFilter(USER, 'name.givenName sw "Al"')).toEqual({
      op: 'sw',
      field: 'name.givenName',
      value: 'Al',
    });
    expect(
      scimFilter(
        USER,
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m-1"',
      ),
    ).toEqual({ op: 'eq', field: 'enterprise.manager.value', value: 'm-1' });
  });

  it('keeps and, or, not, presence and value filters on multi-valued attributes', () => {
    expect(
      scimFilter(
        USER,
        'not (title pr) or (active eq true and emails[type eq "work" and value co "@x"])',
      ),
    ).toEqual({
      op: 'or',
      filters: [
        { op: 'not', filter: { op: 'pr', field: 'title' } },
        {
          op: 'and',
          filters: [
            { op: 'eq', field: 'active', value: true },
            {
              op: 'some',
              field: 'emails',
              filter: {
                op: 'and',
                filters: [
                  { op: 'eq', field: 'type', value: 'work' },
                  { op: 'co', field: 'value', value: '@x' },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it('takes quoted values as JSON strings: escapes are decoded once', () => {
    expect(scimFilter(USER, String.raw`displayName eq "a\"b\\c\u0025"`)).toEqual({
      op: 'eq',
      field: 'displayName',
      value: 'a"b\\c%',
    });
  });

  it('refuses unknown attributes, bad syntax, nested value filters and oversized input as invalidFilter', () => {
    for (const filter of [
      'favouriteColour eq "blue"',
      'userName eq',
      'userName eq "a" extra',
      'emails[value co "a" and members[value eq "b"]]',
      'userName[value eq "a"]',
      `${'('.repeat(40)}userName pr${')'.repeat(40)}`,
      `userName eq "${'a'.repeat(MAX_FILTER_LENGTH)}"`,
    ]) {
      expect(refusal(() => scimFilter(USER, filter)).code).toBe(ScimErrorCode.InvalidFilter);
    }
  });

  it('across resource types, an attribute one type lacks matches nothing there', () => {
    const [user, group] = scimFilterAcross([USER, GROUP], 'userName eq "alice"');
    expect(user).toEqual({ op: 'eq', field: 'userName', value: 'alice' });
    expect(group).toEqual(MATCH_NONE);
    expect(refusal(() => scimFilterAcross([USER, GROUP], 'nothing eq "x"')).code).toBe(
      ScimErrorCode.InvalidFilter,
    );
  });
});
