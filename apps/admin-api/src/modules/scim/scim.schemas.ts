// The SCIM schemas this service implements, as data: /Schemas serves them, request bodies are
// validated against them, and attribute paths (filters, PATCH, attributes=) resolve through them, so
// discovery describes exactly what the service accepts.

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SERVICE_PROVIDER_CONFIG_SCHEMA =
  'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type AttributeType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'default' | 'never' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
  // Not part of the SCIM schema document: a cap that keeps values indexable.
  maxLength?: number;
}

// Values that sit in a btree index must stay well under Postgres's ~2.7 kB entry limit.
const INDEXED_MAX = 256;
const TEXT_MAX = 2048;

function attr(name: string, description: string, extra: Partial<AttributeDef> = {}): AttributeDef {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    maxLength: TEXT_MAX,
    ...extra,
  };
}

function complex(
  name: string,
  description: string,
  subAttributes: AttributeDef[],
  extra: Partial<AttributeDef> = {},
) {
  const { maxLength: _maxLength, ...base } = attr(name, description, extra);
  return { ...base, type: 'complex' as const, subAttributes };
}

function multiValuedContact(name: string, description: string, types: string[]): AttributeDef {
  return complex(
    name,
    description,
    [
      attr('value', `The ${name} value.`, { maxLength: INDEXED_MAX }),
      attr('display', 'A human-readable name.'),
      attr('type', 'A label for the value.', { canonicalValues: types, maxLength: INDEXED_MAX }),
      attr('primary', 'The primary value; at most one.', { type: 'boolean' }),
    ],
    { multiValued: true },
  );
}

export const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'Unique identifier for the user, compared case-insensitively.', {
    required: true,
    uniqueness: 'server',
    maxLength: INDEXED_MAX,
  }),
  complex('name', "The components of the user's name.", [
    attr('formatted', 'The full name.'),
    attr('familyName', 'The family name.'),
    attr('givenName', 'The given name.'),
    attr('middleName', 'The middle name.'),
    attr('honorificPrefix', 'The honorific prefix.'),
    attr('honorificSuffix', 'The honorific suffix.'),
  ]),
  attr('displayName', 'The name displayed to end users.'),
  attr('nickName', 'The casual name.'),
  attr('profileUrl', 'A URL of the online profile.', {
    type: 'reference',
    referenceTypes: ['external'],
  }),
  attr('title', 'The job title.'),
  attr('userType', 'The relationship with the organization.'),
  attr('preferredLanguage', 'The preferred written or spoken language.'),
  attr('locale', 'The default location, for localization.'),
  attr('timezone', 'The time zone, in IANA format.'),
  attr('active', 'Whether the user may use the agent; false removes their access.', {
    type: 'boolean',
  }),
  attr('password', 'Accepted for compatibility and discarded: users never sign in with it.', {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValuedContact('emails', 'Email addresses.', ['work', 'home', 'other']),
  multiValuedContact('phoneNumbers', 'Phone numbers.', [
    'work',
    'home',
    'mobile',
    'fax',
    'pager',
    'other',
  ]),
  complex(
    'addresses',
    'Physical mailing addresses.',
    [
      attr('formatted', 'The full mailing address.'),
      attr('streetAddress', 'The street address.'),
      attr('locality', 'The city or locality.'),
      attr('region', 'The state or region.'),
      attr('postalCode', 'The postal code.'),
      attr('country', 'The country.'),
      attr('type', 'A label for the address.', { canonicalValues: ['work', 'home', 'other'] }),
      attr('primary', 'The primary address; at most one.', { type: 'boolean' }),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    'The groups the user belongs to (managed through the groups).',
    [
      attr('value', 'The group id.', { mutability: 'readOnly' }),
      attr('$ref', 'The group URI.', {
        type: 'reference',
        referenceTypes: ['Group'],
        mutability: 'readOnly',
      }),
      attr('display', 'The group display name.', { mutability: 'readOnly' }),
      attr('type', 'direct', { mutability: 'readOnly', canonicalValues: ['direct'] }),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
];

export const ENTERPRISE_ATTRIBUTES: AttributeDef[] = [
  attr('employeeNumber', 'The employee number.'),
  attr('costCenter', 'The cost center.'),
  attr('organization', 'The organization.'),
  attr('division', 'The division.'),
  attr('department', 'The department.'),
  // Stored as the IdP sends it, displayName included (RFC 7643 makes it read-only, computed by
  // the server; Okta and Entra manage it themselves).
  complex('manager', "The user's manager.", [
    attr('value', 'The id of the manager.', { maxLength: INDEXED_MAX }),
    attr('$ref', 'The manager URI.', { type: 'reference', referenceTypes: ['User'] }),
    attr('displayName', 'The manager display name.'),
  ]),
];

export const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'The name of the group.', { required: true, maxLength: INDEXED_MAX }),
  complex(
    'members',
    'The users in the group.',
    [
      attr('value', 'The id of a member user.', { mutability: 'immutable', caseExact: true }),
      attr('$ref', 'The member URI.', {
        type: 'reference',
        referenceTypes: ['User'],
        mutability: 'immutable',
      }),
      attr('display', 'The member display name (ignored on input).', { mutability: 'readOnly' }),
      attr('type', 'The member type.', { canonicalValues: ['User'], mutability: 'immutable' }),
    ],
    { multiValued: true },
  ),
];

// Attributes every resource has (RFC 7643 section 3.1).
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'The service-assigned identifier.', {
    mutability: 'readOnly',
    returned: 'always',
    caseExact: true,
    uniqueness: 'server',
  }),
  attr('externalId', "The identifier in the provisioning client's system.", {
    caseExact: true,
    maxLength: INDEXED_MAX,
  }),
  complex(
    'meta',
    'Resource metadata.',
    [
      attr('resourceType', 'The resource type.', { mutability: 'readOnly', caseExact: true }),
      attr('created', 'When the resource was created.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attr('lastModified', 'When the resource last changed.', {
        type: 'dateTime',
        mutability: 'readOnly',
      }),
      attr('location', 'The resource URI.', {
        type: 'reference',
        mutability: 'readOnly',
        caseExact: true,
      }),
      attr('version', 'The resource version (ETag).', { mutability: 'readOnly', caseExact: true }),
    ],
    { mutability: 'readOnly' },
  ),
];

// RFC 7643 User attributes the directory does not keep (Entra sends `"roles": []` on every create):
// accepted and ignored in request bodies and PATCH operations, and not advertised in /Schemas.
export const UNSTORED_USER_ATTRIBUTES = [
  'roles',
  'entitlements',
  'ims',
  'photos',
  'x509Certificates',
];

export type ResourceKind = 'User' | 'Group';

export interface ResourceSchema {
  kind: ResourceKind;
  core: string;
  attributes: AttributeDef[];
  extensions: { urn: string; attributes: AttributeDef[] }[];
}

export const RESOURCE_SCHEMAS: Record<ResourceKind, ResourceSchema> = {
  User: {
    kind: 'User',
    core: USER_SCHEMA,
    attributes: USER_ATTRIBUTES,
    extensions: [{ urn: ENTERPRISE_SCHEMA, attributes: ENTERPRISE_ATTRIBUTES }],
  },
  Group: { kind: 'Group', core: GROUP_SCHEMA, attributes: GROUP_ATTRIBUTES, extensions: [] },
};

function findDef(defs: AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return defs.find((def) => def.name.toLowerCase() === lower);
}

// A resolved attribute path: `urn:…:enterprise:2.0:User:manager.value` → extension, manager, value.
export interface ResolvedPath {
  // The extension URN the attribute lives under, or undefined for core and common attributes.
  extension?: string;
  attribute: AttributeDef;
  sub?: AttributeDef;
}

export class UnknownAttributeError extends Error {}

// Splits a URN prefix off an attribute path (attribute names are case-insensitive, URNs too).
function splitUrn(schema: ResourceSchema, path: string): { extension?: string; rest: string } {
  const lower = path.toLowerCase();
  const core = schema.core.toLowerCase();
  if (lower.startsWith(`${core}:`)) return { rest: path.slice(core.length + 1) };
  for (const extension of schema.extensions) {
    const urn = extension.urn.toLowerCase();
    if (lower === urn) return { extension: extension.urn, rest: '' };
    if (lower.startsWith(`${urn}:`))
      return { extension: extension.urn, rest: path.slice(urn.length + 1) };
  }
  return { rest: path };
}

export function extensionOf(schema: ResourceSchema, urn: string): string | undefined {
  return schema.extensions.find((extension) => extension.urn.toLowerCase() === urn.toLowerCase())
    ?.urn;
}

// An attribute by name: core and common attributes first, then (for names without a URN, as Entra
// sends `manager`) the extensions'.
function findNamed(
  schema: ResourceSchema,
  name: string,
): { extension?: string; attribute: AttributeDef } | undefined {
  const core = findDef([...COMMON_ATTRIBUTES, ...schema.attributes], name);
  if (core) return { attribute: core };
  for (const extension of schema.extensions) {
    const attribute = findDef(extension.attributes, name);
    if (attribute) return { extension: extension.urn, attribute };
  }
  return undefined;
}

export function resolvePath(schema: ResourceSchema, path: string): ResolvedPath {
  const split = splitUrn(schema, path);
  const [name, subName, ...more] = split.rest.split('.');
  const found = !name
    ? undefined
    : split.extension
      ? {
          extension: split.extension,
          attribute: findDef(
            schema.extensions.find((candidate) => candidate.urn === split.extension)!.attributes,
            name,
          ),
        }
      : findNamed(schema, name);
  const attribute = found?.attribute;
  const extension = found?.extension;
  if (!attribute || more.length) throw new UnknownAttributeError(`unknown attribute ${path}`);
  if (subName === undefined) return { extension, attribute };
  const sub = attribute.subAttributes ? findDef(attribute.subAttributes, subName) : undefined;
  if (!sub) throw new UnknownAttributeError(`unknown attribute ${path}`);
  return { extension, attribute, sub };
}

// A sub-attribute of a multi-valued attribute, for value filters such as `emails[type eq "work"]`.
export function resolveSubAttribute(parent: AttributeDef, name: string): AttributeDef {
  const sub = parent.subAttributes ? findDef(parent.subAttributes, name) : undefined;
  if (!sub) throw new UnknownAttributeError(`unknown attribute ${parent.name}.${name}`);
  return sub;
}

export function findAttribute(defs: AttributeDef[], name: string): AttributeDef | undefined {
  return findDef(defs, name);
}
