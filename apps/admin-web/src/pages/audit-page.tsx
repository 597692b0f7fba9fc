import { Alert, Button, Loader, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { ApiError } from '../components/ui/api-error';
import { Page } from '../components/ui/page';
import { Section, SectionsSideBySide } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { AuditExport } from '../features/audit/components/audit-export';
import { useAuditFilters } from '../features/audit/components/audit-filters';
import { AuditLogTable } from '../features/audit/components/audit-log';
import {
  useAuditRecords,
  useAuditRetention,
  useVerifyAuditLog,
} from '../features/audit/hooks/use-audit';
import { canExportAudit } from '../lib/permissions';

function ChainStatus() {
  const verification = useVerifyAuditLog();
  const retention = useAuditRetention();
  if (verification.isLoading) return <Loader size="sm" aria-label="Verifying the chain" />;
  if (verification.error) return <ApiError error={verification.error} />;
  const result = verification.data;
  if (!result) return null;
  return (
    <Stack gap="xs">
      {result.ok ? (
        <Alert
          color="green"
          variant="light"
          icon={<IconShieldCheck aria-hidden />}
          title="Chain intact"
          data-testid="chain-status"
        >
          {result.checked} records verified (seq {result.fromSeq}–{result.headSeq}).
        </Alert>
      ) : (
        <Alert
          color="red"
          variant="light"
          icon={<IconShieldX aria-hidden />}
          title="Chain broken"
          data-testid="chain-status"
        >
          Record {result.firstBad?.seq}: {result.firstBad?.problem} — {result.firstBad?.detail}
        </Alert>
      )}
      {retention.data && (
        <Text size="sm" c="dimmed">
          Kept {retention.data.retentionDays ? `${retention.data.retentionDays} days` : 'forever'}
          {retention.data.legalHold
            ? ` · legal hold${retention.data.legalHoldReason ? `: ${retention.data.legalHoldReason}` : ''}`
            : ''}
        </Text>
      )}
      <Button size="xs" variant="subtle" w="fit-content" onClick={() => verification.refetch()}>
        Verify again
      </Button>
    </Stack>
  );
}

export function AuditPage() {
  const viewer = useViewer();
  const { filter, controls } = useAuditFilters();
  const [debounced] = useDebouncedValue(filter, 300);
  const records = useAuditRecords(debounced);
  const rows = records.data?.pages.flatMap((page) => page.records) ?? [];

  return (
    <Page
      title="Audit"
      description="Every change, tamper-evident: each record carries the hash of the one before."
    >
      <SectionsSideBySide>
        <Section title="Chain verification">
          <ChainStatus />
        </Section>
        {canExportAudit(viewer) && (
          <Section title="Export" description="The records matching the filters below.">
            <AuditExport filter={debounced} />
          </Section>
        )}
      </SectionsSideBySide>
      <Section title="Log" description="Newest first: who did what to which object, and when.">
        {controls}
        <ApiError error={records.error} />
        <AuditLogTable records={rows} label="Audit log" />
        {!records.isLoading && !rows.length && (
          <Text size="sm" c="dimmed">
            No records match: clear the filters to see the whole log.
          </Text>
        )}
        {records.hasNextPage && (
          <Button
            variant="default"
            w="fit-content"
            loading={records.isFetchingNextPage}
            onClick={() => records.fetchNextPage()}
          >
            Load older records
          </Button>
        )}
      </Section>
    </Page>
  );
}
