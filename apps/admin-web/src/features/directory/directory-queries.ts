import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf } from '../../lib/graphql';
import { request } from '../../lib/graphql-client';
import { queryKeys } from '../../lib/query-keys';

export const DirectoryUsersQuery = graphql(`
  query DirectoryUsers($search: String, $offset: Int!, $limit: Int!) {
    directoryUsers(search: $search, offset: $offset, limit: $limit) {
      total
      items {
        id
        userName
        displayName
        active
        source
        emails
        groups {
          id
          displayName
        }
      }
    }
  }
`);

export const DirectoryGroupsQuery = graphql(`
  query DirectoryGroups($search: String, $offset: Int!, $limit: Int!) {
    directoryGroups(search: $search, offset: $offset, limit: $limit) {
      total
      items {
        id
        displayName
        source
        memberCount
      }
    }
  }
`);

export const ExplainCapabilityQuery = graphql(`
  query ExplainCapability($userId: ID!, $capability: String!) {
    explainCapability(userId: $userId, capability: $capability) {
      decision
      explanation
      role {
        name
      }
      group {
        name
      }
    }
  }
`);

export const ExplainToolQuery = graphql(`
  query ExplainTool($userId: ID!, $connector: String!, $tool: String!) {
    explainTool(userId: $userId, connector: $connector, tool: $tool) {
      decision
      explanation
      role {
        name
      }
      group {
        name
      }
    }
  }
`);

export type DirectoryPerson = ResultOf<
  typeof DirectoryUsersQuery
>['directoryUsers']['items'][number];
export type DirectoryTeam = ResultOf<
  typeof DirectoryGroupsQuery
>['directoryGroups']['items'][number];

export const PAGE_SIZE = 20;

// Server-side search and pages: a directory can hold tens of thousands of people.
export function directoryUsersOptions(search: string, page: number) {
  return queryOptions({
    queryKey: queryKeys.directoryUsers(search, page),
    queryFn: async () =>
      (
        await request(DirectoryUsersQuery, {
          search: search || null,
          offset: (page - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        })
      ).directoryUsers,
    placeholderData: keepPreviousData,
  });
}

export function directoryGroupsOptions(search: string, page: number) {
  return queryOptions({
    queryKey: queryKeys.directoryGroups(search, page),
    queryFn: async () =>
      (
        await request(DirectoryGroupsQuery, {
          search: search || null,
          offset: (page - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        })
      ).directoryGroups,
    placeholderData: keepPreviousData,
  });
}
