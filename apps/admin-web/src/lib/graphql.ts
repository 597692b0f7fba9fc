import { initGraphQLTada } from 'gql.tada';
import type { introspection } from '../generated/graphql-env';

// Every document is typed from the generated introspection of apps/admin-api/schema.graphql
// (`npm run web:codegen`); custom scalars get their wire types here as the schema grows.
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string };
}>();

export type { ResultOf, VariablesOf, FragmentOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
