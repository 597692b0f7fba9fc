import type { Compare, Filter } from 'scim2-parse-filter';
import { ScimError, ScimErrorCode } from './scim.errors';
import { MAX_FILTER_LENGTH, parseScimFilter } from './scim.filter';
import {
  carriesNoData,
  isPlainObject,
  isUnstored,
  normalizeResource,
  unknownAttribute,
} from './scim.resource';
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

const invalidPath = (message: string) => new ScimError(ScimErrorCode.InvalidPath, message);
const failure = (code: ScimErrorCode, message: string) => new ScimError(code, message);

// A PATCH path (RFC 7644 section 3.5.2). `unknown` says what an attribute the schema lacks is: a
// path fault, or (for a key of a path-less value) the body fault.
function parseTarget(
  schema: ResourceSchema,
  path: string,
  unknown: (message: string) => unknown = invalidPath,
): Target {
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
      filter = parseScimFilter(path.slice(open + 1, close));
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
    if (error instanceof UnknownAttributeError) throw unknown(error.message);
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

// Values are matched case-insensitively: member ids are UUIDs, emails are caseExact false.
const valueKey = (item: unknown) =>
  isPlainObject(item) && item.value !== undefined && item.value !== null
    ? String(item.value).toLowerCase()
    : undefined;

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

// One operation where it lands: the object holding the attribute (the resource or its extension),
// the attribute (and sub-attribute), and the value; a null value removes as `remove` does.
interface Change {
  container: ScimObject;
  attribute: AttributeDef;
  sub?: AttributeDef;
  op: Op;
  value: unknown;
  removing: boolean;
}

function applyOne(resource: ScimObject, op: Op, target: Target, value: unknown, id: string): void {
  const { extension, attribute, sub, filter } = target;
  if (attribute.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    // Okta repeats the id in replace values; an unchanged read-only value is harmless.
    if (attribute.name === 'id' && value === id) return;
    throw failure(
      ScimErrorCode.Mutability,
      `${attribute.name}${sub ? `.${sub.name}` : ''} is read-only`,
    );
  }
  if (op !== 'remove' && value === undefined) {
    throw failure(ScimErrorCode.InvalidSyntax, `${op} needs a value`);
  }
  const container = extension ? ((resource[extension] ??= {}) as ScimObject) : resource;
  const change = {
    container,
    attribute,
    sub,
    op,
    value,
    removing: op === 'remove' || value === null,
  };
  if (filter) changeMatchingValues(change, filter);
  else if (attribute.multiValued) changeAllValues(change);
  else changeSingleValue(change);
}

// `emails[type eq "work"]`: the values of a multi-valued attribute that the filter matches.
function changeMatchingValues(change: Change, filter: Filter): void {
  const { container, sub, value } = change;
  const name = change.attribute.name;
  const items = Array.isArray(container[name]) ? (container[name] as unknown[]) : [];
  const matched = items.filter((item) => matches(item, filter));
  if (change.removing) {
    if (sub) for (const item of matched) delete (item as ScimObject)[sub.name];
    else container[name] = items.filter((item) => !matched.includes(item));
    return;
  }
  if (!sub && !isPlainObject(value))
    throw failure(ScimErrorCode.InvalidValue, `${name} values are objects`);
  const patch = sub ? { [sub.name]: value } : (value as ScimObject);
  if (!matched.length) {
    // Entra adds `emails[type eq "work"].value` to users that have no work email yet.
    const seed = equalities(filter);
    if (!seed) throw failure(ScimErrorCode.NoTarget, `no ${name} value matches the filter`);
    const created = { ...seed, ...patch };
    container[name] = [...items, created];
    keepOnePrimary(container[name] as unknown[], new Set([created]));
    return;
  }
  for (const item of matched) Object.assign(item as ScimObject, patch);
  keepOnePrimary(items, new Set(matched));
}

// A multi-valued attribute as a whole (or one sub-attribute of each of its values).
function changeAllValues(change: Change): void {
  const { container, sub, value, removing } = change;
  const name = change.attribute.name;
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
  if (change.op === 'replace') {
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
}

// A single-valued attribute, simple or complex (or one sub-attribute of a complex one).
function changeSingleValue(change: Change): void {
  const { container, attribute, sub, value } = change;
  const name = attribute.name;
  if (sub) {
    const parent = isPlainObject(container[name]) ? (container[name] as ScimObject) : {};
    if (change.removing) delete parent[sub.name];
    else parent[sub.name] = value;
    container[name] = parent;
    return;
  }
  if (change.removing) {
    delete container[name];
    return;
  }
  if (attribute.type === 'complex') {
    // Entra sends the manager as a bare id, or as an array of one {value, $ref}.
    const single = singleValue(name, value);
    if (single === null) {
      delete container[name];
      return;
    }
    const object =
      typeof single === 'string' && attribute.subAttributes?.some((s) => s.name === 'value')
        ? { value: single }
        : single;
    container[name] =
      isPlainObject(object) && isPlainObject(container[name])
        ? { ...(container[name] as ScimObject), ...object }
        : object;
    return;
  }
  container[name] = value;
}

// A single-valued attribute given as an array: one value is that value, none is no value.
function singleValue(name: string, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  if (value.length > 1)
    throw failure(ScimErrorCode.InvalidValue, `${name} is single-valued: one value at most`);
  return value.length ? value[0] : null;
}

function normalizeOp(raw: string): Op {
  // Entra capitalises operation names ("Replace", "Add", "Remove").
  const op = raw.toLowerCase();
  if (op !== 'add' && op !== 'remove' && op !== 'replace') {
    throw failure(ScimErrorCode.InvalidSyntax, `unknown operation ${raw}`);
  }
  return op;
}

// The attribute a path starts with: `roles[primary eq "True"].value` → roles.
const headOf = (path: string) => path.split(/[[.]/, 1)[0];

// One step of a prepared PATCH: an operation on one target, or dropping a whole extension.
export type PatchStep =
  { op: Op; target: Target; value: unknown } | { op: 'remove'; extension: string };

// A PatchOp's operations resolved against the schema before any resource is read: a bad operation,
// path or attribute fails here, without a database round trip or a lock.
export function preparePatch(schema: ResourceSchema, operations: PatchOperation[]): PatchStep[] {
  const steps: PatchStep[] = [];
  for (const operation of operations) {
    const op = normalizeOp(operation.op);
    const { path, value } = operation;
    if (path === undefined) {
      if (op === 'remove') throw failure(ScimErrorCode.NoTarget, 'remove needs a path');
      steps.push(...objectSteps(schema, op, value));
    } else if (isUnstored(schema, headOf(path))) {
      continue;
    } else if (extensionOf(schema, path)?.length === path.length) {
      steps.push(...objectSteps(schema, op, { [extensionOf(schema, path)!]: value ?? null }));
    } else {
      steps.push({ op, target: parseTarget(schema, path), value });
    }
  }
  return steps;
}

// Applies prepared steps in order to a copy of the resource and validates the result as a whole,
// so a PATCH is atomic: it either yields a valid resource or throws and changes nothing.
export function applyPatch(
  schema: ResourceSchema,
  current: ScimObject,
  steps: PatchStep[],
  id: string,
): ScimObject {
  const resource = structuredClone(current);
  for (const step of steps) {
    if ('extension' in step) delete resource[step.extension];
    else applyOne(resource, step.op, step.target, step.value, id);
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

const UNKNOWN = Symbol('unknown attribute');

// A key of a path-less value names an attribute as a request body does: one the schema lacks is
// the body fault POST and PUT report (or nothing, when its value carries no data).
function bodyTarget(schema: ResourceSchema, key: string, value: unknown): Target | undefined {
  try {
    return parseTarget(schema, key, () => UNKNOWN);
  } catch (error) {
    if (error !== UNKNOWN) throw error;
    if (carriesNoData(value)) return undefined;
    throw unknownAttribute(key);
  }
}

// A path-less add/replace (Okta's `{"op":"replace","value":{"active":false}}`): each key is a path,
// including Entra's dotted and URN-qualified keys. An extension set to null (or removed) goes.
function objectSteps(schema: ResourceSchema, op: Op, value: unknown): PatchStep[] {
  if (!isPlainObject(value))
    throw failure(ScimErrorCode.InvalidValue, `${op} without a path needs an object value`);
  const steps: PatchStep[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas' || isUnstored(schema, key)) continue;
    const extension = extensionOf(schema, key);
    if (extension && key.length === extension.length) {
      if (item === null) {
        if (op !== 'add') steps.push({ op: 'remove', extension });
        continue;
      }
      if (!isPlainObject(item))
        throw failure(ScimErrorCode.InvalidValue, `${extension} must be an object`);
      for (const [subKey, subValue] of Object.entries(item)) {
        const target = bodyTarget(schema, `${extension}:${subKey}`, subValue);
        if (target) steps.push({ op, target, value: subValue });
      }
      continue;
    }
    const target = bodyTarget(schema, key, item);
    if (target) steps.push({ op, target, value: item });
  }
  return steps;
}
