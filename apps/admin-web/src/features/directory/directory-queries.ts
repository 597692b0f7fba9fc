import { queryOptions } from '@tanstack/react-query';
import { graphql, type ResultOf } from '../../lib/graphql';
import { request } from '../../lib/graphql-client';
import { pagedQueryOptions } from '../../lib/paged-query';
import { queryKeys } from '../../lib/query-keys';

// A person as every directory screen shows them.
const DirectoryPersonFields = graphql(`
  fragment DirectoryPersonFields on DirectoryPerson @_unmask {
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
`);

export const DirectoryUsersQuery = graphql(
  `
    query DirectoryUsers($search: String, $offset: Int!, $limit: Int!, $groupId: ID) {
      directoryUsers(search: $search, offset: $offset, limit: $limit, groupId: $groupId) {
        total
        items {
          ...DirectoryPersonFields
        }
      }
    }
  `,
  [DirectoryPersonFields],
);

// A group as every directory screen shows it.
const DirectoryTeamFields = graphql(`
  fragment DirectoryTeamFields on DirectoryTeam @_unmask {
    id
    displayName
    source
    memberCount
  }
`);

export const DirectoryGroupsQuery = graphql(
  `
    query DirectoryGroups($search: String, $offset: Int!, $limit: Int!) {
      directoryGroups(search: $search, offset: $offset, limit: $limit) {
        total
        items {
          ...DirectoryTeamFields
        }
      }
    }
  `,
  [DirectoryTeamFields],
);

export const DirectoryUserQuery = graphql(
  `
    query DirectoryUser($id: ID!) {
      directoryUser(id: $id) {
        ...DirectoryPersonFields
      }
    }
  `,
  [DirectoryPersonFields],
);

export const DirectoryGroupQuery = graphql(
  `
    query DirectoryGroup($id: ID!) {
      directoryGroup(id: $id) {
        ...DirectoryTeamFields
      }
    }
  `,
  [DirectoryTeamFields],
);

// Whether a person may do something and which role (through which group) decides it.
const ExplanationFields = graphql(`
  fragment ExplanationFields on PolicyExplanation @_unmask {
    decision
    explanation
    role {
      name
    }
    group {
      name
    }
  }
`);

const ExplainCapabilityQuery = graphql(
  `
    query ExplainCapability($userId: ID!, $capability: String!) {
      explainCapability(userId: $userId, capability: $capability) {
        ...ExplanationFields
      }
    }
  `,
  [ExplanationFields],
);

const ExplainToolQuery = graphql(
  `
    query ExplainTool($userId: ID!, $connector: String!, $tool: String!) {
      explainTool(userId: $userId, connector: $connector, tool: $tool) {
        ...ExplanationFields
      }
    }
  `,
  [ExplanationFields],
);

export type DirectoryPerson = ResultOf<
  typeof DirectoryUsersQuery
>['directoryUsers']['items'][number];
export type DirectoryTeam = ResultOf<
  typeof DirectoryGroupsQuery
>['directoryGroups']['items'][number];

// Server-side search and pages: a directory can hold tens of thousands of people.
export function directoryUsersOptions(search: string, page: number, groupId: string | null = null) {
  return pagedQueryOptions(
    queryKeys.directoryUsers(search, page, groupId),
    { search, page },
    async (window) => (await request(DirectoryUsersQuery, { ...window, groupId })).directoryUsers,
  );
}

export function directoryGroupsOptions(search: string, page: number) {
  return pagedQueryOptions(
    queryKeys.directoryGroups(search, page),
    { search, page },
    async (window) => (await request(DirectoryGroupsQuery, window)).directoryGroups,
  );
}

export function directoryUserOptions(id: string) {
  return queryOptions({
    queryKey: queryKeys.directoryUser(id),
    queryFn: async () => (await request(DirectoryUserQuery, { id })).directoryUser,
  });
}

export function directoryGroupOptions(id: string) {
  return queryOptions({
    queryKey: queryKeys.directoryGroup(id),
    queryFn: async () => (await request(DirectoryGroupQuery, { id })).directoryGroup,
  });
}

// What decides one capability for a person (Policy tab), with the rule and where it comes from.
export function explainCapabilityOptions(userId: string, capability: string) {
  return queryOptions({
    queryKey: queryKeys.explainCapability(userId, capability),
    queryFn: async () =>
      (await request(ExplainCapabilityQuery, { userId, capability })).explainCapability,
  });
}

export function explainToolOptions(userId: string, connector: string, tool: string) {
  return queryOptions({
    queryKey: queryKeys.explainTool(userId, connector, tool),
    queryFn: async () => (await request(ExplainToolQuery, { userId, connector, tool })).explainTool,
  });
}
