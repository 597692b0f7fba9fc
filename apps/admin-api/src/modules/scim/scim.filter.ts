import { parse } from 'scim2-parse-filter';
import type { Compare, Filter } from 'scim2-parse-filter';
import type { Prisma } from '../../generated/prisma/client';
import { isDirectoryId } from '../directory/directory.service';
import { ScimError } from './scim.errors';
import {
  RESOURCE_SCHEMAS,
  resolvePath,
  resolveSubAttribute,
  UnknownAttributeError,
} from './scim.schemas';
import type { AttributeDef, ResourceSchema } from './scim.schemas';

// The parser recurses per nesting level; long inputs are refused before they reach it.
export const MAX_FILTER_LENGTH = 4096;
const MAX_FILTER_DEPTH = 32;

type Where = Record<string, unknown>;

// How a filterable attribute maps to the database. Anything not in these whitelists is
// `invalidFilter`: filters only ever become indexed-column conditions, never in-memory scans.
type Column =
  | {
      kind: 'string';
      column: string;
      nullable: boolean;
      fold: 'lowerCopy' | 'insensitive' | 'exact';
    }
  | { kind: 'uuid'; column: string; nullable: boolean }
  | { kind: 'boolean'; column: string; nullable: boolean }
  | { kind: 'dateTime'; column: string; nullable: boolean };

interface MultiValued {
  relation: string;
  // The sub-attribute used when the attribute is compared directly (`emails co "x"`).
  defaultSub: string;
  subs: Record<string, Column | { relation: string; column: Column }>;
}

const text = (
  column: string,
  fold: 'lowerCopy' | 'insensitive' | 'exact' = 'insensitive',
): Column => ({
  kind: 'string',
  column,
  nullable: true,
  fold,
});

const COMMON_COLUMNS: Record<string, Column> = {
  id: { kind: 'uuid', column: 'id', nullable: false },
  externalId: text('externalId', 'exact'),
  'meta.created': { kind: 'dateTime', column: 'createdAt', nullable: false },
  'meta.lastModified': { kind: 'dateTime', column: 'updatedAt', nullable: false },
};

const contact = (lowerColumn: string): MultiValued => ({
  relation: '',
  defaultSub: 'value',
  subs: {
    value: {
      ...text(lowerColumn, lowerColumn === 'valueLower' ? 'lowerCopy' : 'insensitive'),
      nullable: false,
    },
    type: text('type'),
    display: text('display'),
    primary: { kind: 'boolean', column: 'primary', nullable: false },
  },
});

const USER_COLUMNS: Record<string, Column> = {
  ...COMMON_COLUMNS,
  userName: { kind: 'string', column: 'userNameLower', nullable: false, fold: 'lowerCopy' },
  displayName: text('displayName'),
  nickName: text('nickName'),
  profileUrl: text('profileUrl'),
  title: text('title'),
  userType: text('userType'),
  preferredLanguage: text('preferredLanguage'),
  locale: text('locale'),
  timezone: text('timezone'),
  active: { kind: 'boolean', column: 'active', nullable: false },
  'name.formatted': text('formattedName'),
  'name.familyName': text('familyName'),
  'name.givenName': text('givenName'),
  'name.middleName': text('middleName'),
  'name.honorificPrefix': text('honorificPrefix'),
  'name.honorificSuffix': text('honorificSuffix'),
  'enterprise.employeeNumber': text('employeeNumber'),
  'enterprise.costCenter': text('costCenter'),
  'enterprise.organization': text('enterpriseOrg'),
  'enterprise.division': text('division'),
  'enterprise.department': text('department'),
  'enterprise.manager': text('managerValue', 'exact'),
  'enterprise.manager.value': text('managerValue', 'exact'),
  'enterprise.manager.displayName': text('managerDisplay'),
};

const USER_MULTI: Record<string, MultiValued> = {
  emails: { ...contact('valueLower'), relation: 'emails' },
  phoneNumbers: { ...contact('value'), relation: 'phoneNumbers' },
  groups: {
    relation: 'memberships',
    defaultSub: 'value',
    subs: {
      value: { kind: 'uuid', column: 'groupId', nullable: false },
      display: { relation: 'group', column: { ...text('displayName'), nullable: false } },
    },
  },
};

const GROUP_COLUMNS: Record<string, Column> = {
  ...COMMON_COLUMNS,
  displayName: { ...text('displayName'), nullable: false },
};

const GROUP_MULTI: Record<string, MultiValued> = {
  members: {
    relation: 'members',
    defaultSub: 'value',
    subs: { value: { kind: 'uuid', column: 'userId', nullable: false } },
  },
};

interface Whitelist {
  schema: ResourceSchema;
  columns: Record<string, Column>;
  multi: Record<string, MultiValued>;
}

const WHITELISTS = {
  User: { schema: RESOURCE_SCHEMAS.User, columns: USER_COLUMNS, multi: USER_MULTI },
  Group: { schema: RESOURCE_SCHEMAS.Group, columns: GROUP_COLUMNS, multi: GROUP_MULTI },
} satisfies Record<string, Whitelist>;

const COMPARISONS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);

const invalid = (message: string) => ScimError.badRequest('invalidFilter', message);

// Deepest nesting of parentheses and brackets outside quoted strings.
function nesting(filter: string): number {
  let depth = 0;
  let deepest = 0;
  let quoted = false;
  for (let index = 0; index < filter.length; index++) {
    const char = filter[index];
    if (quoted) {
      if (char === '\\') index++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '(' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === ')' || char === ']') depth--;
  }
  return deepest;
}

function parseFilter(filter: string): Filter {
  if (nesting(filter) > MAX_FILTER_DEPTH) throw invalid('the filter is nested too deeply');
  if (filter.length > MAX_FILTER_LENGTH)
    throw invalid(`a filter is at most ${MAX_FILTER_LENGTH} characters`);
  try {
    return parse(filter);
  } catch (error) {
    // Parse errors are plain Errors; a pathological nesting overflows the stack (RangeError).
    throw invalid(
      error instanceof RangeError
        ? 'the filter is nested too deeply'
        : `invalid filter: ${(error as Error).message}`,
    );
  }
}

// `emails`, `emails.value`, `urn:…:enterprise:2.0:User:manager.value` → whitelist key.
function keyOf(
  whitelist: Whitelist,
  attrPath: string,
): { key: string; attribute: AttributeDef; sub?: AttributeDef } {
  try {
    const { extension, attribute, sub } = resolvePath(whitelist.schema, attrPath);
    const base = extension ? `enterprise.${attribute.name}` : attribute.name;
    return { key: sub ? `${base}.${sub.name}` : base, attribute, sub };
  } catch (error) {
    if (error instanceof UnknownAttributeError) throw invalid(error.message);
    throw error;
  }
}

function comparison(
  column: Column,
  op: Compare['op'],
  compValue: Compare['compValue'],
  attrPath: string,
): Where {
  const value = compValue;
  switch (column.kind) {
    case 'uuid': {
      if (op !== 'eq' && op !== 'ne') throw invalid(`${attrPath} supports eq and ne only`);
      if (typeof value !== 'string') throw invalid(`${attrPath} compares with a string`);
      // An id that is not a UUID matches nothing (and never reaches Postgres as a bad cast).
      return { [column.column]: isDirectoryId(value) ? { equals: value } : { in: [] } };
    }
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') throw invalid(`${attrPath} supports eq and ne only`);
      if (typeof value !== 'boolean') throw invalid(`${attrPath} compares with true or false`);
      return { [column.column]: { equals: value } };
    }
    case 'dateTime': {
      if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op))
        throw invalid(`${attrPath} supports eq ne gt ge lt le`);
      const date = typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime()))
        throw invalid(`${attrPath} compares with an ISO 8601 date-time`);
      return { [column.column]: { [prismaOp(op)]: date } };
    }
    case 'string': {
      if (typeof value !== 'string') throw invalid(`${attrPath} compares with a string`);
      if (value.includes('\u0000')) throw invalid('a filter value may not contain NUL');
      const folded = column.fold === 'lowerCopy' ? value.toLowerCase() : value;
      const mode = column.fold === 'insensitive' ? { mode: 'insensitive' } : {};
      return { [column.column]: { [prismaOp(op)]: folded, ...mode } };
    }
  }
}

function prismaOp(op: Compare['op']): string {
  const ops: Record<Compare['op'], string> = {
    eq: 'equals',
    ne: 'equals',
    co: 'contains',
    sw: 'startsWith',
    ew: 'endsWith',
    gt: 'gt',
    ge: 'gte',
    lt: 'lt',
    le: 'lte',
  };
  return ops[op];
}

function present(column: Column): Where {
  if (column.kind === 'string' && !column.nullable) return { NOT: { [column.column]: '' } };
  if (column.kind === 'string')
    return { AND: [{ [column.column]: { not: null } }, { NOT: { [column.column]: '' } }] };
  return { [column.column]: { not: null } };
}

// A condition on one column, with SCIM's two-valued logic under negation: `not (title eq "x")`
// includes users with no title, where SQL's NOT would drop the NULLs.
function columnCondition(column: Column, node: Filter, negated: boolean, attrPath: string): Where {
  const effectiveNegation = node.op === 'ne' ? !negated : negated;
  // A required non-text column is always present.
  if (node.op === 'pr' && !column.nullable && column.kind !== 'string') {
    return negated ? { [column.column]: { in: [] } } : {};
  }
  const positive =
    node.op === 'pr'
      ? present(column)
      : comparison(column, (node as Compare).op, (node as Compare).compValue, attrPath);
  if (!effectiveNegation) return positive;
  if (!column.nullable) return { NOT: positive };
  return { OR: [{ NOT: positive }, { [column.column]: null }] };
}

interface Context {
  whitelist: Whitelist;
  // Inside a value path (`emails[...]`): the multi-valued attribute whose sub-attributes are named.
  within?: MultiValued;
  depth: number;
}

function subCondition(
  multi: MultiValued,
  subName: string,
  node: Filter,
  negated: boolean,
  attrPath: string,
): Where {
  const target = multi.subs[subName];
  if (!target) throw invalid(`${attrPath} is not filterable`);
  if ('relation' in target) {
    const inner = columnCondition(target.column, node, false, attrPath);
    return negated ? { NOT: { [target.relation]: inner } } : { [target.relation]: inner };
  }
  return columnCondition(target, node, negated, attrPath);
}

function attributeCondition(
  context: Context,
  node: Filter & { attrPath: string },
  negated: boolean,
): Where {
  const { whitelist, within } = context;
  if (within) {
    const parent = Object.entries(whitelist.multi).find(([, multi]) => multi === within)![0];
    const def = resolvePath(whitelist.schema, parent).attribute;
    let sub: AttributeDef;
    try {
      sub = resolveSubAttribute(def, node.attrPath);
    } catch (error) {
      if (error instanceof UnknownAttributeError) throw invalid(error.message);
      throw error;
    }
    return subCondition(within, sub.name, node, negated, `${parent}.${sub.name}`);
  }
  const { key, attribute, sub } = keyOf(whitelist, node.attrPath);
  const column = whitelist.columns[key];
  if (column) return columnCondition(column, node, negated, node.attrPath);
  const multi = whitelist.multi[attribute.name];
  if (!multi) throw invalid(`${node.attrPath} is not filterable`);
  // `emails co "x"` means some email's value; `not` means no email matches.
  const inner = subCondition(multi, sub?.name ?? multi.defaultSub, node, false, node.attrPath);
  if (node.op === 'ne')
    return { [multi.relation]: negated ? { some: { NOT: inner } } : { none: inner } };
  return { [multi.relation]: negated ? { none: inner } : { some: inner } };
}

function translate(context: Context, node: Filter, negated: boolean): Where {
  if (context.depth > MAX_FILTER_DEPTH) throw invalid('the filter is nested too deeply');
  const deeper = { ...context, depth: context.depth + 1 };
  switch (node.op) {
    case 'and':
    case 'or': {
      const parts = (node as { filters: Filter[] }).filters.map((part) =>
        translate(deeper, part, negated),
      );
      // De Morgan: under negation `and` becomes `or`.
      const conjunction = (node.op === 'and') !== negated;
      return { [conjunction ? 'AND' : 'OR']: parts };
    }
    case 'not':
      return translate(deeper, (node as { filter: Filter }).filter, !negated);
    case '[]': {
      if (context.within) throw invalid('value paths cannot nest');
      const { attrPath, valFilter } = node as { attrPath: string; valFilter: Filter };
      const { attribute, sub } = keyOf(context.whitelist, attrPath);
      const multi = context.whitelist.multi[attribute.name];
      if (!multi || sub) throw invalid(`${attrPath} is not a multi-valued attribute`);
      // One relation row must satisfy the whole bracket, so two conditions bind to the same value.
      const inner = translate({ ...deeper, within: multi }, valFilter, false);
      return { [multi.relation]: negated ? { none: inner } : { some: inner } };
    }
    default: {
      const { op } = node as { op: string };
      if (!('attrPath' in node) || !COMPARISONS.has(op))
        throw invalid(`unsupported operator ${op}`);
      return attributeCondition(context, node as Filter & { attrPath: string }, negated);
    }
  }
}

export function userFilter(filter: string): Prisma.DirectoryUserWhereInput {
  return translate({ whitelist: WHITELISTS.User, depth: 0 }, parseFilter(filter), false);
}

export function groupFilter(filter: string): Prisma.DirectoryGroupWhereInput {
  return translate({ whitelist: WHITELISTS.Group, depth: 0 }, parseFilter(filter), false);
}
