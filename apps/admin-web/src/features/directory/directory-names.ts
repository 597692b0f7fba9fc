import { useQuery } from '@tanstack/react-query';
import { graphql } from '../../lib/graphql';
import { request } from '../../lib/graphql-client';
import { queryKeys } from '../../lib/query-keys';

export const DirectoryNamesQuery = graphql(`
  query DirectoryNames($ids: [ID!]!) {
    directoryNames(ids: $ids) {
      id
      kind
      name
      detail
    }
  }
`);

export interface SubjectName {
  kind: string;
  name: string;
  detail: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_IDS = 200;

// The names of the people and groups behind ids shown on a screen, in one request; an id the
// directory no longer holds (a deleted group) has no entry.
export function useDirectoryNames(ids: readonly (string | null | undefined)[], enabled = true) {
  const wanted = [
    ...new Set(
      ids.filter((id): id is string => !!id && UUID.test(id)).map((id) => id.toLowerCase()),
    ),
  ]
    .sort()
    .slice(0, MAX_IDS);
  const names = useQuery({
    queryKey: queryKeys.directoryNames(wanted),
    queryFn: async () => (await request(DirectoryNamesQuery, { ids: wanted })).directoryNames,
    enabled: enabled && wanted.length > 0,
    staleTime: 30_000,
  });
  const byId = new Map<string, SubjectName>(
    (names.data ?? []).map(({ id, ...name }) => [id.toLowerCase(), name]),
  );
  return {
    get: (id: string | null | undefined) => (id ? byId.get(id.toLowerCase()) : undefined),
    isLoading: names.isLoading,
    error: names.error,
  };
}
