import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  AddCeilingEntryMutation,
  GovernanceSettingsQuery,
  RemoveCeilingEntryMutation,
  SetAutoApprovePlansAllowedMutation,
  SetCeilingDefaultEnabledMutation,
  SetWebAllowedHostsMutation,
} from '../graphql/folders';

export const governanceSettingsQueryOptions = queryOptions({
  queryKey: queryKeys.governanceSettings,
  queryFn: async () => (await request(GovernanceSettingsQuery)).governanceSettings,
});

export function useGovernanceSettings() {
  return useSuspenseQuery(governanceSettingsQueryOptions).data;
}

const SETTINGS_CHANGES = [queryKeys.governanceSettings, queryKeys.bundlePublishes];

export function useAddCeilingEntry() {
  return useApiMutation(AddCeilingEntryMutation, {
    invalidates: SETTINGS_CHANGES,
    success: 'Folder added to the ceiling',
  });
}

export function useRemoveCeilingEntry() {
  return useApiMutation(RemoveCeilingEntryMutation, {
    invalidates: SETTINGS_CHANGES,
    success: 'Folder removed from the ceiling',
  });
}

export function useSetCeilingDefaultEnabled() {
  return useApiMutation(SetCeilingDefaultEnabledMutation, { invalidates: SETTINGS_CHANGES });
}

export function useSetAutoApprovePlansAllowed() {
  return useApiMutation(SetAutoApprovePlansAllowedMutation, {
    invalidates: SETTINGS_CHANGES,
    success: 'Approval setting saved',
  });
}

export function useSetWebAllowedHosts() {
  return useApiMutation(SetWebAllowedHostsMutation, {
    invalidates: SETTINGS_CHANGES,
    success: 'Web hosts saved',
  });
}
