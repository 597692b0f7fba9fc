import { Text } from '@mantine/core';
import { ApiError } from '../../../components/ui/api-error';
import type { AuditFilter } from '../graphql/audit';
import { useAuditRecords } from '../hooks/use-audit';
import { AuditLogTable } from './audit-log';

const SHOWN = 10;

// The latest audit records about one object, for its own page.
export function AuditTrail({ filter }: { filter: AuditFilter }) {
  const records = useAuditRecords(filter);
  const rows = (records.data?.pages[0]?.records ?? []).slice(0, SHOWN);
  if (records.error) return <ApiError error={records.error} title="The audit log could not load" />;
  if (!records.isLoading && !rows.length) {
    return (
      <Text size="sm" c="dimmed">
        Nothing recorded yet.
      </Text>
    );
  }
  return <AuditLogTable records={rows} label="recent changes" compact />;
}
