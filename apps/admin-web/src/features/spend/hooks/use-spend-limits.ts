import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  CreateSpendLimitMutation,
  DeleteSpendLimitMutation,
  SpendBudgetsQuery,
  SpendLimitsQuery,
} from '../graphql/spend';

export const spendLimitsQueryOptions = queryOptions({
  queryKey: queryKeys.spendLimits,
  queryFn: async () => (await request(SpendLimitsQuery)).spendLimits,
});

export function useSpendLimits() {
  return useSuspenseQuery(spendLimitsQueryOptions).data;
}

// Usage moves with every model request on every endpoint: refresh while the screen is open.
export const spendBudgetsQueryOptions = queryOptions({
  queryKey: queryKeys.spendBudgets,
  queryFn: async () => (await request(SpendBudgetsQuery)).spendBudgets,
  refetchInterval: 15_000,
});

export function useSpendBudgets() {
  return useSuspenseQuery(spendBudgetsQueryOptions).data;
}

export function useCreateSpendLimit() {
  return useApiMutation(CreateSpendLimitMutation, {
    invalidates: [queryKeys.spendLimits, queryKeys.spendBudgets],
    success: 'Spend limit added',
  });
}

export function useDeleteSpendLimit() {
  return useApiMutation(DeleteSpendLimitMutation, {
    invalidates: [queryKeys.spendLimits, queryKeys.spendBudgets],
    success: 'Spend limit removed',
  });
}
