import { queryOptions, useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  BundlePublishesQuery,
  BundleRolloutQuery,
  EndpointsQuery,
  RevokeEndpointMutation,
} from '../graphql/endpoints';

// Endpoints report on their own schedule: keep the screen current without a reload.
const LIVE = 15_000;

export const endpointsQueryOptions = (userId?: string) =>
  queryOptions({
    queryKey: queryKeys.endpoints(userId),
    queryFn: async () => (await request(EndpointsQuery, { userId: userId ?? null })).endpoints,
    refetchInterval: LIVE,
  });

export function useEndpoints(userId?: string) {
  return useSuspenseQuery(endpointsQueryOptions(userId)).data;
}

export const bundlePublishesQueryOptions = queryOptions({
  queryKey: queryKeys.bundlePublishes,
  queryFn: async () => (await request(BundlePublishesQuery)).bundlePublishes,
  refetchInterval: LIVE,
});

export function useBundlePublishes() {
  return useSuspenseQuery(bundlePublishesQueryOptions).data;
}

export function useBundleRollout(publishId: string | null) {
  return useQuery({
    queryKey: queryKeys.bundleRollout(publishId ?? ''),
    queryFn: async () =>
      (await request(BundleRolloutQuery, { publishId: publishId ?? '' })).bundleRollout,
    enabled: publishId !== null,
    refetchInterval: LIVE,
  });
}

export function useRevokeEndpoint() {
  return useApiMutation(RevokeEndpointMutation, {
    invalidates: [queryKeys.endpointsAll],
    success: 'Endpoint revoked',
  });
}
