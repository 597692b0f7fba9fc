import { BODY_LIMIT_BYTES } from '../../platform/http/http-app';
import { MAX_PAGE_SIZE } from './scim.dto';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_SCHEMA,
  GROUP_SCHEMA,
  RESOURCE_SCHEMAS,
  RESOURCE_TYPE_SCHEMA,
  SCHEMA_SCHEMA,
  SERVICE_PROVIDER_CONFIG_SCHEMA,
  USER_SCHEMA,
} from './scim.schemas';
import type { AttributeDef } from './scim.schemas';

// Discovery documents (RFC 7643 sections 5-7), derived from the schemas the service validates with.

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    documentationUri: 'https://github.com/steward/steward/blob/main/docs/scim.md',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE_SIZE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: `A SCIM token from \`steward token create --type scim\`. Request bodies up to ${BODY_LIMIT_BYTES} bytes.`,
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'People who may use the agent',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Groups of users; roles are bound to groups',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

function describe(def: AttributeDef): Record<string, unknown> {
  const { maxLength: _maxLength, subAttributes, ...rest } = def;
  return { ...rest, ...(subAttributes ? { subAttributes: subAttributes.map(describe) } : {}) };
}

export function schemas(baseUrl: string) {
  const externalId = COMMON_ATTRIBUTES.filter((def) => def.name === 'externalId').map(describe);
  const document = (id: string, name: string, description: string, attributes: AttributeDef[]) => ({
    schemas: [SCHEMA_SCHEMA],
    id,
    name,
    description,
    attributes: [...externalId, ...attributes.map(describe)],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  });
  return [
    document(USER_SCHEMA, 'User', 'User account', RESOURCE_SCHEMAS.User.attributes),
    {
      ...document(
        ENTERPRISE_SCHEMA,
        'EnterpriseUser',
        'Enterprise user',
        RESOURCE_SCHEMAS.User.extensions[0].attributes,
      ),
      attributes: RESOURCE_SCHEMAS.User.extensions[0].attributes.map(describe),
    },
    document(GROUP_SCHEMA, 'Group', 'Group', RESOURCE_SCHEMAS.Group.attributes),
  ];
}
