import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  CreateSpendLimitMutation,
  DeleteSpendLimitMutation,
  SpendLimitsQuery,
} from '../graphql/spend';

export const spendLimitsQueryOptions = queryOptions({
  queryKey: queryKeys.spendLimits,
  queryFn: async () => (await request(SpendLimitsQuery)).spendLimits,
});

export function useSpendLimits() {
  return useSuspenseQuery(spendLimitsQueryOptions).data;
}

export function useCreateSpendLimit() {
  return useApiMutation(CreateSpendLimitMutation, {
    invalidates: [queryKeys.spendLimits],
    success: 'Spend limit added',
  });
}

export function useDeleteSpendLimit() {
  return useApiMutation(DeleteSpendLimitMutation, {
    invalidates: [queryKeys.spendLimits],
    success: 'Spend limit removed',
  });
}
