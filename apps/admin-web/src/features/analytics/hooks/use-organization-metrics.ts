import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { queryKeys } from '../../../lib/query-keys';
import { OrganizationMetricsQuery } from '../graphql/analytics';

function utcDay(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

// The last `days` days, today included (UTC days, as the rollups count them). The previous range
// stays on screen while another loads.
export function useOrganizationMetrics(days: number) {
  return useQuery({
    queryKey: queryKeys.organizationMetrics(days),
    queryFn: async () =>
      (await request(OrganizationMetricsQuery, { from: utcDay(days - 1), to: utcDay(0) }))
        .organizationMetrics,
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
}
