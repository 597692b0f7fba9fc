import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import {
  AuditExportQuery,
  AuditRecordsQuery,
  AuditRetentionQuery,
  RequestAuditExportMutation,
  VerifyAuditLogQuery,
  type AuditFilter,
} from '../graphql/audit';

// Pages of 50, newest first; the server filters (the log can be millions of rows).
export function useAuditRecords(filter: AuditFilter) {
  return useInfiniteQuery({
    queryKey: queryKeys.auditRecords(filter),
    queryFn: async ({ pageParam }) =>
      (await request(AuditRecordsQuery, { filter, after: pageParam })).auditRecords,
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
}

export function useVerifyAuditLog() {
  return useQuery({
    queryKey: queryKeys.auditVerification,
    queryFn: async () => (await request(VerifyAuditLogQuery)).verifyAuditLog,
  });
}

export function useAuditRetention() {
  return useQuery({
    queryKey: queryKeys.auditRetention,
    queryFn: async () => (await request(AuditRetentionQuery)).auditRetention,
  });
}

export function useRequestAuditExport() {
  return useApiMutation(RequestAuditExportMutation, { invalidates: [] });
}

// Polls an export until it finishes or fails.
export function useAuditExport(id: string | null) {
  return useQuery({
    queryKey: queryKeys.auditExport(id ?? ''),
    queryFn: async () => (await request(AuditExportQuery, { id: id ?? '' })).auditExport,
    enabled: id !== null,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === 'done' || status === 'failed' ? false : 1000;
    },
  });
}
