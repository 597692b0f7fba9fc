import { registerEnumType } from '@nestjs/graphql';
import { AdminRole } from './admin-principal';

// The GraphQL AdminRole enum; resolvers that expose a role import AdminRole from here so the
// registration has happened before the schema is built.
registerEnumType(AdminRole, {
  name: 'AdminRole',
  description:
    'owner: everything; admin: everything but SAML and role mapping; auditor: read-only, may export; billing: spend and analytics only.',
});

export { AdminRole };
