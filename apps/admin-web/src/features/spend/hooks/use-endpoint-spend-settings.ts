import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import { EndpointSpendSettingsQuery, SetEndpointSpendSettingsMutation } from '../graphql/spend';

export const endpointSpendSettingsQueryOptions = queryOptions({
  queryKey: queryKeys.endpointSpendSettings,
  queryFn: async () => (await request(EndpointSpendSettingsQuery)).endpointSpendSettings,
});

export function useEndpointSpendSettings() {
  return useSuspenseQuery(endpointSpendSettingsQueryOptions).data;
}

// A change republishes every endpoint's bundle.
export function useSetEndpointSpendSettings() {
  return useApiMutation(SetEndpointSpendSettingsMutation, {
    invalidates: [queryKeys.endpointSpendSettings, queryKeys.bundlePublishes],
    success: 'Endpoint spend settings saved; endpoints get them with their next bundle',
  });
}
