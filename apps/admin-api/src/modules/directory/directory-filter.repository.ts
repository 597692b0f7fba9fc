import { DateTime } from 'luxon';
import { Prisma } from '../../generated/prisma/client';
import { DirectoryError, DirectoryErrorCode, isStorableText } from './directory.types';
import type { CompareOp, DirectoryFilter, FilterValue } from './directory.types';
import { isUuid } from '../../platform/database/uuid';

// A DirectoryFilter as an SQL condition on `u` (a DirectoryUser) or `g` (a DirectoryGroup); only
// DirectoryRepository calls this. Fields are the directory's attribute names; anything not listed
// here is refused (`invalid_filter`), so a filter only ever becomes conditions on columns and
// related rows, never an in-memory scan. SQL rather than a Prisma `where`: Prisma compiles every new
// query shape, and IdPs and attackers send many (about 3 ms of CPU each).
//
// Every condition is two-valued (never NULL), as SCIM's logic is: a nullable column's comparison
// reads `col IS NOT NULL AND …`, so `not (title eq "x")` includes users with no title, and the
// column stays usable by its index.

type Fold = 'lowerCopy' | 'insensitive' | 'exact';

type Column =
  | { kind: 'string'; column: string; nullable: boolean; fold: Fold }
  | { kind: 'uuid' | 'boolean' | 'dateTime'; column: string; nullable: boolean };

// A multi-valued attribute: rows of another table, `alias` in its conditions.
interface MultiValued {
  from: (owner: Prisma.Sql, alias: Prisma.Sql) => Prisma.Sql;
  alias: string;
  // The sub-attribute a bare comparison means (`emails co "x"` compares each email's value).
  defaultSub: string;
  subs: Record<string, Column>;
}

interface Whitelist {
  alias: string;
  columns: Record<string, Column>;
  multi: Record<string, MultiValued>;
}

const text = (column: string, fold: Fold = 'insensitive', nullable = true): Column => ({
  kind: 'string',
  column,
  nullable,
  fold,
});

const COMMON_COLUMNS: Record<string, Column> = {
  id: { kind: 'uuid', column: 'id', nullable: false },
  externalId: text('externalId', 'exact'),
  'meta.created': { kind: 'dateTime', column: 'createdAt', nullable: false },
  'meta.lastModified': { kind: 'dateTime', column: 'updatedAt', nullable: false },
};

const rowsOf =
  (table: string, key: string) =>
  (owner: Prisma.Sql, alias: Prisma.Sql): Prisma.Sql =>
    Prisma.sql`FROM ${Prisma.raw(`"${table}"`)} ${alias} WHERE ${alias}.${Prisma.raw(`"${key}"`)} = ${owner}."id"`;

const contact = (table: string, valueColumn: Column): MultiValued => ({
  from: rowsOf(table, 'userId'),
  alias: 'c',
  defaultSub: 'value',
  subs: {
    value: valueColumn,
    type: text('type'),
    display: text('display'),
    primary: { kind: 'boolean', column: 'primary', nullable: false },
  },
});

const USERS: Whitelist = {
  alias: 'u',
  columns: {
    ...COMMON_COLUMNS,
    userName: text('userNameLower', 'lowerCopy', false),
    displayName: text('displayName'),
    nickName: text('nickName'),
    profileUrl: text('profileUrl'),
    title: text('title'),
    userType: text('userType'),
    preferredLanguage: text('preferredLanguage'),
    locale: text('locale'),
    timezone: text('timezone'),
    active: { kind: 'boolean', column: 'active', nullable: true },
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
    'enterprise.manager.$ref': text('managerRef', 'exact'),
    'enterprise.manager.displayName': text('managerDisplay'),
  },
  multi: {
    emails: contact('DirectoryUserEmail', text('valueLower', 'lowerCopy', false)),
    phoneNumbers: contact('DirectoryUserPhone', text('value', 'insensitive', false)),
    groups: {
      // A membership with its group's name.
      from: (owner, alias) =>
        Prisma.sql`FROM (SELECT m."userId", m."groupId", g."displayName" FROM "DirectoryGroupMember" m
          JOIN "DirectoryGroup" g ON g."id" = m."groupId") ${alias} WHERE ${alias}."userId" = ${owner}."id"`,
      alias: 'm',
      defaultSub: 'value',
      subs: {
        value: { kind: 'uuid', column: 'groupId', nullable: false },
        display: text('displayName', 'insensitive', false),
      },
    },
  },
};

const GROUPS: Whitelist = {
  alias: 'g',
  columns: { ...COMMON_COLUMNS, displayName: text('displayName', 'insensitive', false) },
  multi: {
    members: {
      from: rowsOf('DirectoryGroupMember', 'groupId'),
      alias: 'm',
      defaultSub: 'value',
      subs: { value: { kind: 'uuid', column: 'userId', nullable: false } },
    },
  },
};

const TRUE = Prisma.sql`TRUE`;
const FALSE = Prisma.sql`FALSE`;

const invalid = (message: string) => new DirectoryError(DirectoryErrorCode.InvalidFilter, message);

// LIKE patterns take the value literally: `%`, `_` and `\` match themselves.
const literal = (value: string) => value.replace(/[\\%_]/g, '\\$&');

const ORDER: Partial<Record<CompareOp, string>> = { gt: '>', ge: '>=', lt: '<', le: '<=' };

// Postgres stores years 4713 BC to 294276 AD; SCIM's xsd:dateTime has years 1 to 9999.
function dateTime(field: string, value: FilterValue): string {
  const parsed = typeof value === 'string' ? DateTime.fromISO(value, { setZone: true }) : null;
  if (!parsed?.isValid || parsed.year < 1 || parsed.year > 9999) {
    throw invalid(`${field} compares with an ISO 8601 date-time between the years 1 and 9999`);
  }
  // The columns hold UTC without a zone.
  return parsed.toUTC().toISO({ includeOffset: false })!;
}

function stringValue(field: string, value: FilterValue): string {
  if (typeof value !== 'string') throw invalid(`${field} compares with a string`);
  // Text Postgres cannot store can match nothing stored; refused rather than mangled.
  if (!isStorableText(value))
    throw invalid(`${field}: a filter value may not contain NUL or unpaired surrogates`);
  return value;
}

function booleanValue(field: string, value: FilterValue): boolean {
  // Entra writes booleans as "True" and "False".
  const flag =
    typeof value === 'string' && /^(true|false)$/i.test(value)
      ? value.toLowerCase() === 'true'
      : value;
  if (typeof flag !== 'boolean') throw invalid(`${field} compares with true or false`);
  return flag;
}

function stringComparison(column: Prisma.Sql, fold: Fold, op: CompareOp, raw: string) {
  const value = fold === 'lowerCopy' ? raw.toLowerCase() : raw;
  const like = fold === 'insensitive' ? Prisma.sql`ILIKE` : Prisma.sql`LIKE`;
  const side = fold === 'insensitive' ? Prisma.sql`lower(${column})` : column;
  const operand = fold === 'insensitive' ? Prisma.sql`lower(${value})` : Prisma.sql`${value}`;
  switch (op) {
    case 'eq':
    case 'ne':
      return Prisma.sql`${side} = ${operand}`;
    case 'co':
      return Prisma.sql`${column} ${like} ${`%${literal(value)}%`}`;
    case 'sw':
      return Prisma.sql`${column} ${like} ${`${literal(value)}%`}`;
    case 'ew':
      return Prisma.sql`${column} ${like} ${`%${literal(value)}`}`;
    default:
      return Prisma.sql`${side} ${Prisma.raw(ORDER[op]!)} ${operand}`;
  }
}

// `col <op> value`, true or false; `ne` is answered as `eq`, negated by the caller.
function comparison(
  column: Column,
  sql: Prisma.Sql,
  op: CompareOp,
  value: FilterValue,
  field: string,
) {
  switch (column.kind) {
    case 'uuid': {
      if (op !== 'eq' && op !== 'ne') throw invalid(`${field} supports eq and ne only`);
      const id = stringValue(field, value);
      // An id that is not a UUID matches nothing (and never reaches Postgres as a bad cast).
      return isUuid(id) ? Prisma.sql`${sql} = ${id.toLowerCase()}::uuid` : FALSE;
    }
    case 'boolean':
      if (op !== 'eq' && op !== 'ne') throw invalid(`${field} supports eq and ne only`);
      return Prisma.sql`${sql} = ${booleanValue(field, value)}`;
    case 'dateTime': {
      const when = dateTime(field, value);
      if (op === 'eq' || op === 'ne') return Prisma.sql`${sql} = ${when}::timestamp`;
      if (!ORDER[op]) throw invalid(`${field} supports eq ne gt ge lt le`);
      return Prisma.sql`${sql} ${Prisma.raw(ORDER[op]!)} ${when}::timestamp`;
    }
    case 'string':
      return stringComparison(sql, column.fold, op, stringValue(field, value));
  }
}

type Leaf = Extract<DirectoryFilter, { field: string }>;

function columnCondition(column: Column, alias: string, node: Leaf): Prisma.Sql {
  if (node.op === 'some') throw invalid(`${node.field} is not multi-valued`);
  const sql = Prisma.raw(`${alias}."${column.column}"`);
  // `pr`: assigned, and a string not empty.
  const condition =
    node.op !== 'pr'
      ? comparison(column, sql, node.op, node.value, node.field)
      : column.kind === 'string'
        ? Prisma.sql`${sql} <> ''`
        : TRUE;
  const assigned = column.nullable ? Prisma.sql`(${sql} IS NOT NULL AND ${condition})` : condition;
  return node.op === 'ne' ? Prisma.sql`NOT (${assigned})` : Prisma.sql`(${assigned})`;
}

interface Context {
  whitelist: Whitelist;
  // Inside `some`: the multi-valued attribute whose sub-attributes the fields name.
  within?: MultiValued;
}

function exists(context: Context, multi: MultiValued, inner: Prisma.Sql): Prisma.Sql {
  const owner = Prisma.raw(context.whitelist.alias);
  return Prisma.sql`EXISTS (SELECT 1 ${multi.from(owner, Prisma.raw(multi.alias))} AND ${inner})`;
}

function subCondition(multi: MultiValued, sub: string, node: Leaf): Prisma.Sql {
  const column = multi.subs[sub];
  if (!column) throw invalid(`${node.field} is not filterable`);
  return columnCondition(column, multi.alias, node);
}

function fieldCondition(context: Context, node: Leaf): Prisma.Sql {
  const { whitelist, within } = context;
  if (within) return subCondition(within, node.field, node);
  const column = whitelist.columns[node.field];
  if (column) return columnCondition(column, whitelist.alias, node);
  const [name, sub, ...rest] = node.field.split('.');
  const multi = whitelist.multi[name];
  if (!multi || rest.length) throw invalid(`${node.field} is not filterable`);
  if (node.op === 'some') {
    if (sub) throw invalid(`${node.field} is not multi-valued`);
    // One related row must satisfy the whole bracket, so two conditions bind to the same value.
    return exists(context, multi, translate({ ...context, within: multi }, node.filter));
  }
  // `emails co "x"`: some email's value matches; `emails ne "x"`: none equals it.
  if (node.op === 'ne')
    return Prisma.sql`NOT ${exists(context, multi, subCondition(multi, sub ?? multi.defaultSub, { ...node, op: 'eq' }))}`;
  return exists(context, multi, subCondition(multi, sub ?? multi.defaultSub, node));
}

function translate(context: Context, node: DirectoryFilter): Prisma.Sql {
  switch (node.op) {
    case 'and':
    case 'or': {
      if (!node.filters.length) return node.op === 'and' ? TRUE : FALSE;
      const parts = node.filters.map((part) => translate(context, part));
      return Prisma.sql`(${Prisma.join(parts, node.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return Prisma.sql`NOT ${translate(context, node.filter)}`;
    default:
      if (node.op === 'some' && context.within) throw invalid('value filters cannot nest');
      return fieldCondition(context, node);
  }
}

// A condition on `u`, the DirectoryUser being filtered.
export function userCondition(filter: DirectoryFilter): Prisma.Sql {
  return translate({ whitelist: USERS }, filter);
}

// A condition on `g`, the DirectoryGroup being filtered.
export function groupCondition(filter: DirectoryFilter): Prisma.Sql {
  return translate({ whitelist: GROUPS }, filter);
}
