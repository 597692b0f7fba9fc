import { randomUUID } from 'node:crypto';

// What the conformance test set reads from /Schemas, and the values it writes: every attribute the
// service advertises gets a value of its type, so each operation is checked for each attribute
// (after python-scim's scim2-tester: fill every writable attribute, write it, read it back).

export interface AttributeDoc {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued: boolean;
  required: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'default' | 'never' | 'request';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDoc[];
}

export interface SchemaDoc {
  id: string;
  attributes: AttributeDoc[];
}

// An attribute of a resource type: where it lives (core or an extension URN) and its definition.
export interface Located {
  urn?: string;
  attribute: AttributeDoc;
  // The path a filter or PATCH names it by.
  path: string;
}

export function attributesOf(core: SchemaDoc, extensions: SchemaDoc[]): Located[] {
  return [
    ...core.attributes.map((attribute) => ({ attribute, path: attribute.name })),
    ...extensions.flatMap((extension) =>
      extension.attributes.map((attribute) => ({
        urn: extension.id,
        attribute,
        path: `${extension.id}:${attribute.name}`,
      })),
    ),
  ];
}

export const writable = (attribute: AttributeDoc) =>
  attribute.mutability === 'readWrite' ||
  attribute.mutability === 'immutable' ||
  attribute.mutability === 'writeOnly';

export const returnedByDefault = (attribute: AttributeDoc) =>
  attribute.mutability !== 'writeOnly' &&
  (attribute.returned === 'default' || attribute.returned === 'always');

// References the service checks (members are users of the organization): what a value may be.
export interface References {
  users: { id: string; location: string }[];
}

let counter = 0;

function scalar(attribute: AttributeDoc, parent: string | undefined): unknown {
  counter += 1;
  const name = parent ? `${parent}.${attribute.name}` : attribute.name;
  if (attribute.type === 'boolean') return true;
  if (attribute.canonicalValues?.length)
    return attribute.canonicalValues[counter % attribute.canonicalValues.length];
  if (name === 'userName') return `conformance-${randomUUID()}@example.com`;
  if (name === 'emails.value') return `c${counter}.${randomUUID().slice(0, 8)}@example.com`;
  if (name === 'locale') return counter % 2 ? 'en-US' : 'fr-FR';
  if (name === 'timezone') return counter % 2 ? 'Europe/Paris' : 'America/Chicago';
  if (name === 'preferredLanguage') return counter % 2 ? 'en' : 'de';
  if (attribute.type === 'reference') return `https://example.com/ref/${counter}`;
  if (attribute.type === 'dateTime') return new Date(Date.UTC(2020, 0, 1 + counter)).toISOString();
  return `value ${counter} of ${name}`;
}

function member(references: References, index: number) {
  const user = references.users[index % references.users.length];
  return { value: user.id, $ref: user.location, type: 'User' };
}

// A value for every writable sub-attribute (or the attribute itself), as a client would send it.
export function valueFor(
  attribute: AttributeDoc,
  references: References,
  variant = 0,
  parent?: string,
): unknown {
  if (attribute.name === 'members') return [member(references, variant)];
  const one = (index: number) => {
    if (attribute.type !== 'complex') return scalar(attribute, parent);
    const entries = (attribute.subAttributes ?? [])
      .filter(writable)
      .map((sub) => [
        sub.name,
        valueFor({ ...sub, multiValued: false }, references, index, attribute.name),
      ]);
    return Object.fromEntries(entries);
  };
  if (!attribute.multiValued) return one(variant);
  // One value, primary where the attribute has `primary`.
  return [one(variant)];
}

// A resource body with every writable attribute filled.
export function fullBody(
  core: SchemaDoc,
  extensions: SchemaDoc[],
  references: References,
): Record<string, unknown> {
  const body: Record<string, unknown> = { schemas: [core.id, ...extensions.map((e) => e.id)] };
  for (const { urn, attribute } of attributesOf(core, extensions)) {
    if (!writable(attribute)) continue;
    const target = urn ? ((body[urn] ??= {}) as Record<string, unknown>) : body;
    target[attribute.name] = valueFor(attribute, references);
  }
  return body;
}

// The value at a located attribute of a resource.
export function valueAt(resource: Record<string, unknown>, located: Located): unknown {
  const container = located.urn
    ? (resource[located.urn] as Record<string, unknown> | undefined)
    : resource;
  return container?.[located.attribute.name];
}

// What the service answers for a value it was sent: the same, without what it never returns
// (writeOnly or returned never sub-attributes).
export function expectedBack(attribute: AttributeDoc, sent: unknown): unknown {
  if (attribute.type !== 'complex' || sent === null || typeof sent !== 'object') return sent;
  const keep = (item: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(item).filter(([key]) => {
        const sub = attribute.subAttributes?.find((candidate) => candidate.name === key);
        return sub ? returnedByDefault(sub) : true;
      }),
    );
  return Array.isArray(sent) ? sent.map(keep) : keep(sent as Record<string, unknown>);
}

// Every attribute path a filter may name, with the value the resource has there.
export function filterPaths(
  resource: Record<string, unknown>,
  core: SchemaDoc,
  extensions: SchemaDoc[],
): { path: string; value: unknown }[] {
  const paths: { path: string; value: unknown }[] = [];
  for (const located of attributesOf(core, extensions)) {
    const { attribute, path } = located;
    if (attribute.returned === 'never') continue;
    const value = valueAt(resource, located);
    if (value === undefined) continue;
    if (attribute.type !== 'complex') {
      paths.push({ path, value });
      continue;
    }
    const first = (Array.isArray(value) ? value[0] : value) as Record<string, unknown> | undefined;
    for (const sub of attribute.subAttributes ?? []) {
      if (sub.returned !== 'never' && first?.[sub.name] !== undefined)
        paths.push({ path: `${path}.${sub.name}`, value: first[sub.name] });
    }
  }
  return paths;
}
