import { isStorableText } from '../directory/directory.types';
import type {
  ContactWrite,
  DirectoryGroupRecord,
  DirectoryUserRecord,
  GroupWrite,
  UserWrite,
} from '../directory/directory.types';
import { ScimError, ScimErrorCode } from './scim.errors';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  extensionOf,
  findAttribute,
  resolvePath,
  UnknownAttributeError,
  UNSTORED_USER_ATTRIBUTES,
} from './scim.schemas';
import type { AttributeDef, ResourceSchema } from './scim.schemas';

// A resource as plain SCIM JSON with canonical attribute names: what PATCH operates on and what
// request bodies are normalised to before they become directory writes.
export type ScimObject = Record<string, unknown>;

// Beyond this many values of one multi-valued attribute (members aside) a request is refused.
const MAX_CONTACT_VALUES = 100;
// Group members in one request: the body limit admits ~150k; the service sets its own line.
export const MAX_MEMBERS_PER_REQUEST = 50_000;

export function isPlainObject(value: unknown): value is ScimObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidValue(path: string, expected: string): ScimError {
  return new ScimError(ScimErrorCode.InvalidValue, `${path} must be ${expected}`);
}

// An attribute a request body names that the schema does not define, whether in a POST or PUT
// body or a path-less PATCH value: one fault, one answer.
export function unknownAttribute(name: string): ScimError {
  return new ScimError(ScimErrorCode.InvalidSyntax, `unknown attribute ${name}`);
}

// null, an empty array or an object of such: the value of an unassigned attribute (RFC 7643
// section 2.5). Such a value carries no data, so an attribute the schema lacks may have it.
// Deeper than any SCIM value nests, a value counts as data.
export function carriesNoData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  if (depth > 4) return false;
  const children = Array.isArray(value)
    ? value
    : isPlainObject(value)
      ? Object.values(value)
      : null;
  return children !== null && children.every((child) => carriesNoData(child, depth + 1));
}

// RFC 7643 attributes the directory does not keep: accepted, and ignored.
export function isUnstored(schema: ResourceSchema, name: string): boolean {
  const lower = name.toLowerCase();
  return (
    schema.kind === 'User' &&
    UNSTORED_USER_ATTRIBUTES.some((attribute) => attribute.toLowerCase() === lower)
  );
}

function normalizeScalar(def: AttributeDef, value: unknown, path: string): unknown {
  if (def.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    // Entra sends booleans as "True" / "False".
    if (typeof value === 'string' && /^(true|false)$/i.test(value))
      return value.toLowerCase() === 'true';
    throw invalidValue(path, 'a boolean');
  }
  if (typeof value !== 'string') throw invalidValue(path, 'a string');
  if (!isStorableText(value))
    throw invalidValue(path, 'free of NUL characters and unpaired UTF-16 surrogates');
  if (def.maxLength !== undefined && value.length > def.maxLength) {
    throw invalidValue(path, `at most ${def.maxLength} characters`);
  }
  return value;
}

function normalizeComplex(def: AttributeDef, value: unknown, path: string): ScimObject {
  if (!isPlainObject(value)) throw invalidValue(path, 'an object');
  const out: ScimObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findAttribute(def.subAttributes ?? [], key);
    if (!sub) {
      if (carriesNoData(subValue)) continue;
      throw unknownAttribute(`${path}.${key}`);
    }
    if (sub.mutability === 'readOnly' || subValue === null || subValue === undefined) continue;
    out[sub.name] = normalizeScalar(sub, subValue, `${path}.${sub.name}`);
  }
  return out;
}

function normalizeValue(def: AttributeDef, value: unknown, path: string): unknown {
  if (!def.multiValued) {
    return def.type === 'complex'
      ? normalizeComplex(def, value, path)
      : normalizeScalar(def, value, path);
  }
  if (!Array.isArray(value)) throw invalidValue(path, 'an array');
  const limit = def.name === 'members' ? MAX_MEMBERS_PER_REQUEST : MAX_CONTACT_VALUES;
  if (value.length > limit)
    throw new ScimError(ScimErrorCode.TooMany, `${path} has more than ${limit} values`);
  const items = value.map((item) => normalizeComplex(def, item, path));
  const valueDef = findAttribute(def.subAttributes ?? [], 'value');
  if (
    valueDef &&
    def.name !== 'addresses' &&
    items.some((item) => typeof item.value !== 'string')
  ) {
    throw invalidValue(`${path}.value`, 'present in every value');
  }
  if (items.filter((item) => item.primary === true).length > 1) {
    throw invalidValue(`${path}.primary`, 'true for at most one value');
  }
  return items;
}

function normalizeAttributes(
  defs: AttributeDef[],
  body: ScimObject,
  out: ScimObject,
  prefix = '',
): void {
  for (const [key, value] of Object.entries(body)) {
    const def = findAttribute(defs, key);
    if (!def) {
      if (carriesNoData(value)) continue;
      throw unknownAttribute(`${prefix}${key}`);
    }
    // Read-only attributes in a request are ignored (RFC 7643 section 2.2); a password is accepted
    // and discarded.
    if (def.mutability === 'readOnly' || def.mutability === 'writeOnly') continue;
    if (value === null || value === undefined) continue;
    const normalized = normalizeValue(def, value, `${prefix}${def.name}`);
    if (Array.isArray(normalized) && !normalized.length) continue;
    out[def.name] = normalized;
  }
}

// Validates a request body (POST, PUT, or a PATCH result) against the schema: canonical names,
// types, lengths. Read-only attributes are ignored, as are attributes the schema lacks and schema
// URNs it does not know when they carry no data (Entra lists extension schemas it sends nothing
// for); an unknown attribute with a value is refused.
export function normalizeResource(schema: ResourceSchema, body: unknown): ScimObject {
  if (!isPlainObject(body))
    throw new ScimError(ScimErrorCode.InvalidSyntax, 'the body must be a JSON object');
  const out: ScimObject = {};
  const core: ScimObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      if (!Array.isArray(value) || value.some((urn) => typeof urn !== 'string'))
        throw new ScimError(ScimErrorCode.InvalidSyntax, 'schemas must be an array of URIs');
      continue;
    }
    if (isUnstored(schema, key)) continue;
    const extension = extensionOf(schema, key);
    if (extension) {
      if (value === null) continue;
      if (!isPlainObject(value)) throw invalidValue(extension, 'an object');
      const attributes = schema.extensions.find(
        (candidate) => candidate.urn === extension,
      )!.attributes;
      const normalized: ScimObject = {};
      normalizeAttributes(attributes, value, normalized, `${extension}:`);
      if (Object.keys(normalized).length) out[extension] = normalized;
      continue;
    }
    core[key] = value;
  }
  normalizeAttributes([...COMMON_ATTRIBUTES, ...schema.attributes], core, out);
  for (const def of schema.attributes) {
    if (def.required && (typeof out[def.name] !== 'string' || !(out[def.name] as string).trim())) {
      throw invalidValue(def.name, 'a non-empty string');
    }
  }
  return out;
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function contacts(value: unknown): ContactWrite[] {
  return ((value as ScimObject[] | undefined) ?? []).map((item) => ({
    value: item.value as string,
    type: str(item.type),
    primary: item.primary === true,
    display: str(item.display),
  }));
}

// `active` left out is unassigned (null), which grants nothing; a PUT passes the stored value as
// `activeWhenAbsent`, so replacing a profile never changes whether the person has access.
export function userWrite(
  resource: ScimObject,
  activeWhenAbsent: boolean | null = null,
): UserWrite {
  const name = (resource.name as ScimObject | undefined) ?? {};
  const enterprise = (resource[ENTERPRISE_SCHEMA] as ScimObject | undefined) ?? {};
  const manager = (enterprise.manager as ScimObject | undefined) ?? {};
  return {
    userName: resource.userName as string,
    externalId: str(resource.externalId),
    active: typeof resource.active === 'boolean' ? resource.active : activeWhenAbsent,
    displayName: str(resource.displayName),
    nickName: str(resource.nickName),
    profileUrl: str(resource.profileUrl),
    title: str(resource.title),
    userType: str(resource.userType),
    preferredLanguage: str(resource.preferredLanguage),
    locale: str(resource.locale),
    timezone: str(resource.timezone),
    formattedName: str(name.formatted),
    familyName: str(name.familyName),
    givenName: str(name.givenName),
    middleName: str(name.middleName),
    honorificPrefix: str(name.honorificPrefix),
    honorificSuffix: str(name.honorificSuffix),
    addresses: (resource.addresses as ScimObject[] | undefined) ?? null,
    employeeNumber: str(enterprise.employeeNumber),
    costCenter: str(enterprise.costCenter),
    enterpriseOrg: str(enterprise.organization),
    division: str(enterprise.division),
    department: str(enterprise.department),
    managerValue: str(manager.value),
    managerRef: str(manager.$ref),
    managerDisplay: str(manager.displayName),
    emails: contacts(resource.emails),
    phoneNumbers: contacts(resource.phoneNumbers),
  };
}

export function groupWrite(resource: ScimObject): GroupWrite {
  return {
    displayName: resource.displayName as string,
    externalId: str(resource.externalId),
    memberIds: ((resource.members as ScimObject[] | undefined) ?? []).map(
      (member) => member.value as string,
    ),
  };
}

// Drops null and undefined fields and empty objects, as SCIM responses leave unassigned attributes out.
function compact(object: Record<string, unknown>): ScimObject | undefined {
  const entries = Object.entries(object).filter(
    ([, value]) => value !== null && value !== undefined,
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function contactsOut(rows: DirectoryUserRecord['emails'] | DirectoryUserRecord['phoneNumbers']) {
  return rows.length
    ? rows.map((row) =>
        compact({ value: row.value, type: row.type, primary: row.primary, display: row.display }),
      )
    : undefined;
}

// The user as SCIM JSON without server-managed attributes: the base a PATCH applies to.
export function userAttributes(user: DirectoryUserRecord): ScimObject {
  const enterprise = compact({
    employeeNumber: user.employeeNumber,
    costCenter: user.costCenter,
    organization: user.enterpriseOrg,
    division: user.division,
    department: user.department,
    manager: compact({
      value: user.managerValue,
      $ref: user.managerRef,
      displayName: user.managerDisplay,
    }),
  });
  return compact({
    externalId: user.externalId,
    userName: user.userName,
    name: compact({
      formatted: user.formattedName,
      familyName: user.familyName,
      givenName: user.givenName,
      middleName: user.middleName,
      honorificPrefix: user.honorificPrefix,
      honorificSuffix: user.honorificSuffix,
    }),
    displayName: user.displayName,
    nickName: user.nickName,
    profileUrl: user.profileUrl,
    title: user.title,
    userType: user.userType,
    preferredLanguage: user.preferredLanguage,
    locale: user.locale,
    timezone: user.timezone,
    active: user.active,
    emails: contactsOut(user.emails),
    phoneNumbers: contactsOut(user.phoneNumbers),
    addresses: user.addresses ?? undefined,
    [ENTERPRISE_SCHEMA]: enterprise,
  })!;
}

export function groupAttributes(group: DirectoryGroupRecord, baseUrl: string): ScimObject {
  return compact({
    externalId: group.externalId,
    displayName: group.displayName,
    members: group.memberIds?.length
      ? group.memberIds.map((value) => ({ value, $ref: `${baseUrl}/Users/${value}`, type: 'User' }))
      : undefined,
  })!;
}

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function meta(
  kind: 'User' | 'Group',
  record: { id: string; createdAt: Date; updatedAt: Date; version: number },
  baseUrl: string,
) {
  return {
    resourceType: kind,
    created: record.createdAt.toISOString(),
    lastModified: record.updatedAt.toISOString(),
    location: `${baseUrl}/${kind}s/${record.id}`,
    version: etagOf(record.version),
  };
}

export function userResource(
  user: DirectoryUserRecord,
  groups: { id: string; displayName: string }[],
  baseUrl: string,
): ScimObject {
  const attributes = userAttributes(user);
  const schemas = ['urn:ietf:params:scim:schemas:core:2.0:User'];
  if (attributes[ENTERPRISE_SCHEMA]) schemas.push(ENTERPRISE_SCHEMA);
  return {
    schemas,
    id: user.id,
    ...attributes,
    groups: groups.map((group) => ({
      value: group.id,
      $ref: `${baseUrl}/Groups/${group.id}`,
      display: group.displayName,
      type: 'direct',
    })),
    meta: meta('User', user, baseUrl),
  };
}

export function groupResource(group: DirectoryGroupRecord, baseUrl: string): ScimObject {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: group.id,
    ...groupAttributes(group, baseUrl),
    meta: meta('Group', group, baseUrl),
  };
}

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

// The attribute paths of `attributes=` / `excludedAttributes=`. One the schema lacks is refused, or
// skipped in a search across resource types (another type may define it).
function resolveAll(schema: ResourceSchema, paths: string[], lenient: boolean) {
  return paths.flatMap((path) => {
    try {
      return [resolvePath(schema, path)];
    } catch (error) {
      if (!(error instanceof UnknownAttributeError)) throw error;
      if (lenient) return [];
      throw new ScimError(ScimErrorCode.InvalidValue, error.message);
    }
  });
}

// attributes / excludedAttributes (RFC 7644 section 3.4.2.5): response shaping after the query.
// `schemas` and `id` are always returned.
export function project(
  schema: ResourceSchema,
  resource: ScimObject,
  projection: Projection,
  lenient = false,
): ScimObject {
  const container = (extension: string | undefined, from: ScimObject) =>
    extension ? (from[extension] as ScimObject | undefined) : from;
  if (projection.attributes?.length) {
    const out: ScimObject = { schemas: resource.schemas, id: resource.id };
    for (const { extension, attribute, sub } of resolveAll(
      schema,
      projection.attributes,
      lenient,
    )) {
      const source = container(extension, resource);
      if (!source || source[attribute.name] === undefined) continue;
      const target = extension ? ((out[extension] ??= {}) as ScimObject) : out;
      const value = source[attribute.name];
      if (!sub) {
        target[attribute.name] = value;
      } else if (Array.isArray(value)) {
        const existing =
          (target[attribute.name] as ScimObject[] | undefined) ?? value.map((): ScimObject => ({}));
        value.forEach((item: ScimObject, index) => {
          if (item[sub.name] !== undefined) existing[index][sub.name] = item[sub.name];
        });
        target[attribute.name] = existing;
      } else if (isPlainObject(value) && value[sub.name] !== undefined) {
        target[attribute.name] = {
          ...(target[attribute.name] as ScimObject | undefined),
          [sub.name]: value[sub.name],
        };
      }
    }
    return out;
  }
  if (projection.excludedAttributes?.length) {
    const out: ScimObject = structuredClone(resource);
    for (const { extension, attribute, sub } of resolveAll(
      schema,
      projection.excludedAttributes,
      lenient,
    )) {
      if (attribute.returned === 'always') continue;
      const target = container(extension, out);
      if (!target) continue;
      if (!sub) {
        delete target[attribute.name];
      } else if (Array.isArray(target[attribute.name])) {
        for (const item of target[attribute.name] as ScimObject[]) delete item[sub.name];
      } else if (isPlainObject(target[attribute.name])) {
        delete (target[attribute.name] as ScimObject)[sub.name];
      }
    }
    return out;
  }
  return resource;
}

// Whether a group's members are part of the response (a large group's members are costly).
export function wantsMembers(schema: ResourceSchema, projection: Projection): boolean {
  const names = (paths?: string[]) =>
    (paths ?? []).map((path) => {
      try {
        return resolvePath(schema, path).attribute.name;
      } catch {
        return path;
      }
    });
  if (projection.attributes?.length) return names(projection.attributes).includes('members');
  return !names(projection.excludedAttributes).includes('members');
}
