import { parse } from 'scim2-parse-filter';
import type { Compare, Filter } from 'scim2-parse-filter';
import { ScimError } from './scim.errors';
import { MAX_FILTER_LENGTH } from './scim.filter';
import { isPlainObject, normalizeResource } from './scim.resource';
import type { ScimObject } from './scim.resource';
import {
  extensionOf,
  resolvePath,
  resolveSubAttribute,
  UnknownAttributeError,
} from './scim.schemas';
import type { AttributeDef, ResourceSchema } from './scim.schemas';

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

type Op = 'add' | 'remove' | 'replace';

interface Target {
  extension?: string;
  attribute: AttributeDef;
  sub?: AttributeDef;
  // `emails[type eq "work"]`: which values of a multi-valued attribute the operation touches.
  filter?: Filter;
}

const invalidPath = (message: string) => ScimError.badRequest('invalidPath', message);

function parseTarget(schema: ResourceSchema, path: string): Target {
  if (path.length > MAX_FILTER_LENGTH) throw invalidPath('the path is too long');
  const open = path.indexOf('[');
  try {
    if (open < 0) return resolvePath(schema, path);
    const close = path.lastIndexOf(']');
    const rest = path.slice(close + 1);
    if (close < open || (rest && !rest.startsWith('.')))
      throw invalidPath(`malformed path ${path}`);
    const { extension, attribute, sub } = resolvePath(schema, path.slice(0, open));
    if (!attribute.multiValued || sub) throw invalidPath(`${attribute.name} is not multi-valued`);
    let filter: Filter;
    try {
      filter = parse(path.slice(open + 1, close));
    } catch (error) {
      throw invalidPath(`invalid value filter in ${path}: ${(error as Error).message}`);
    }
    return {
      extension,
      attribute,
      filter,
      sub: rest ? resolveSubAttribute(attribute, rest.slice(1)) : undefined,
    };
  } catch (error) {
    if (error instanceof UnknownAttributeError) throw invalidPath(error.message);
    throw error;
  }
}

function fieldOf(item: ScimObject, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(item).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : item[key];
}

function compare(actual: unknown, node: Compare): boolean {
  if (actual === undefined || actual === null) return node.op === 'ne';
  const expected = node.compValue;
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const normalize = (value: unknown) => String(value).toLowerCase();
    const equal = normalize(actual) === normalize(expected);
    if (node.op === 'eq') return equal;
    if (node.op === 'ne') return !equal;
    throw invalidPath(`${node.op} does not apply to booleans`);
  }
  const left = String(actual).toLowerCase();
  const right = String(expected).toLowerCase();
  switch (node.op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'co':
      return left.includes(right);
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

// A value filter applies to the values of one resource (the PATCH target), compared
// case-insensitively like the attributes it names.
function matches(item: unknown, node: Filter): boolean {
  if (!isPlainObject(item)) return false;
  switch (node.op) {
    case 'and':
      return (node as { filters: Filter[] }).filters.every((part) => matches(item, part));
    case 'or':
      return (node as { filters: Filter[] }).filters.some((part) => matches(item, part));
    case 'not':
      return !matches(item, (node as { filter: Filter }).filter);
    case 'pr': {
      const value = fieldOf(item, (node as { attrPath: string }).attrPath);
      return value !== undefined && value !== null && value !== '';
    }
    case '[]':
      throw invalidPath('value filters cannot nest');
    default:
      return compare(fieldOf(item, (node as Compare).attrPath), node as Compare);
  }
}

// `type eq "work" and primary eq true` → the value an add/replace creates when nothing matches.
function equalities(node: Filter): ScimObject | undefined {
  if (node.op === 'eq') return { [(node as Compare).attrPath]: (node as Compare).compValue };
  if (node.op !== 'and') return undefined;
  const parts = (node as { filters: Filter[] }).filters.map(equalities);
  return parts.every(Boolean) ? Object.assign({}, ...parts) : undefined;
}

const valueKey = (item: unknown) => (isPlainObject(item) ? String(item.value) : undefined);

// Setting a value's `primary` to true clears it on the others (RFC 7644 section 3.5.2).
function keepOnePrimary(items: unknown[], chosen: Set<unknown>): void {
  if (![...chosen].some((item) => isPlainObject(item) && item.primary === true)) return;
  for (const item of items) {
    if (isPlainObject(item) && !chosen.has(item) && item.primary !== undefined)
      item.primary = false;
  }
}

function asValues(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function applyOne(resource: ScimObject, op: Op, target: Target, value: unknown, id: string): void {
  const { extension, attribute, sub, filter } = target;
  if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    // Okta repeats the id in replace values; an unchanged read-only value is harmless.
    if (attribute.name === 'id' && value === id) return;
    throw ScimError.badRequest(
      'mutability',
      `${attribute.name}${sub ? `.${sub.name}` : ''} is read-only`,
    );
  }
  if (op !== 'remove' && value === undefined) {
    throw ScimError.badRequest('invalidSyntax', `${op} needs a value`);
  }
  const container = extension ? ((resource[extension] ??= {}) as ScimObject) : resource;
  const name = attribute.name;
  const removing = op === 'remove' || value === null;

  if (filter) {
    const items = Array.isArray(container[name]) ? (container[name] as unknown[]) : [];
    const matched = items.filter((item) => matches(item, filter));
    if (removing) {
      if (sub) for (const item of matched) delete (item as ScimObject)[sub.name];
      else container[name] = items.filter((item) => !matched.includes(item));
      return;
    }
    if (!sub && !isPlainObject(value))
      throw ScimError.badRequest('invalidValue', `${name} values are objects`);
    const patch = sub ? { [sub.name]: value } : (value as ScimObject);
    if (!matched.length) {
      // Entra adds `emails[type eq "work"].value` to users that have no work email yet.
      const seed = equalities(filter);
      if (!seed) throw ScimError.badRequest('noTarget', `no ${name} value matches the filter`);
      const created = { ...seed, ...patch };
      container[name] = [...items, created];
      keepOnePrimary(container[name] as unknown[], new Set([created]));
      return;
    }
    for (const item of matched) Object.assign(item as ScimObject, patch);
    keepOnePrimary(items, new Set(matched));
    return;
  }

  if (attribute.multiValued) {
    const items = Array.isArray(container[name]) ? (container[name] as unknown[]) : [];
    if (sub) {
      for (const item of items) {
        if (!isPlainObject(item)) continue;
        if (removing) delete item[sub.name];
        else item[sub.name] = value;
      }
      return;
    }
    if (removing) {
      // Entra removes members with `path: "members"` and the values to remove.
      if (value === undefined || value === null) delete container[name];
      else {
        const gone = new Set(asValues(value).map(valueKey));
        container[name] = items.filter((item) => !gone.has(valueKey(item)));
      }
      return;
    }
    const incoming = asValues(value);
    if (op === 'replace') {
      container[name] = incoming;
      return;
    }
    const seen = new Set(items.map(valueKey));
    const added = incoming.filter((item) => {
      const key = valueKey(item);
      if (key !== undefined && seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    container[name] = [...items, ...added];
    keepOnePrimary(container[name] as unknown[], new Set(added));
    return;
  }

  if (sub) {
    const parent = isPlainObject(container[name]) ? (container[name] as ScimObject) : {};
    if (removing) delete parent[sub.name];
    else parent[sub.name] = value;
    container[name] = parent;
    return;
  }
  if (removing) {
    delete container[name];
    return;
  }
  if (attribute.type === 'complex') {
    // Entra sends the manager as a bare id.
    const object =
      typeof value === 'string' && attribute.subAttributes?.some((s) => s.name === 'value')
        ? { value }
        : value;
    container[name] =
      isPlainObject(object) && isPlainObject(container[name])
        ? { ...(container[name] as ScimObject), ...object }
        : object;
    return;
  }
  container[name] = value;
}

function normalizeOp(raw: string): Op {
  // Entra capitalises operation names ("Replace", "Add", "Remove").
  const op = raw.toLowerCase();
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw ScimError.badRequest('invalidSyntax', `unknown operation ${raw}`);
  }
  return op;
}

// Applies a PatchOp's operations in order to a copy of the resource and validates the result as a
// whole, so a PATCH is atomic: it either yields a valid resource or throws and changes nothing.
export function applyPatch(
  schema: ResourceSchema,
  current: ScimObject,
  operations: PatchOperation[],
  id: string,
): ScimObject {
  const resource = structuredClone(current);
  for (const operation of operations) {
    const op = normalizeOp(operation.op);
    if (operation.path !== undefined) {
      const extension = extensionOf(schema, operation.path);
      if (extension && operation.path.length === extension.length) {
        applyObject(schema, resource, op, { [extension]: operation.value }, id);
      } else {
        applyOne(resource, op, parseTarget(schema, operation.path), operation.value, id);
      }
      continue;
    }
    if (op === 'remove') throw ScimError.badRequest('noTarget', 'remove needs a path');
    applyObject(schema, resource, op, operation.value, id);
  }
  for (const extension of schema.extensions) {
    if (
      isPlainObject(resource[extension.urn]) &&
      !Object.keys(resource[extension.urn] as ScimObject).length
    ) {
      delete resource[extension.urn];
    }
  }
  return normalizeResource(schema, resource);
}

// A path-less add/replace (Okta's `{"op":"replace","value":{"active":false}}`): each key is a path,
// including Entra's dotted and URN-qualified keys.
function applyObject(
  schema: ResourceSchema,
  resource: ScimObject,
  op: Op,
  value: unknown,
  id: string,
): void {
  if (!isPlainObject(value))
    throw ScimError.badRequest('invalidValue', `${op} without a path needs an object value`);
  for (const [key, item] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') continue;
    const extension = extensionOf(schema, key);
    if (extension && key.length === extension.length) {
      if (item === null) {
        if (op === 'replace') delete resource[extension];
        continue;
      }
      if (!isPlainObject(item))
        throw ScimError.badRequest('invalidValue', `${extension} must be an object`);
      for (const [subKey, subValue] of Object.entries(item)) {
        applyOne(resource, op, parseTarget(schema, `${extension}:${subKey}`), subValue, id);
      }
      continue;
    }
    applyOne(resource, op, parseTarget(schema, key), item, id);
  }
}
