import {
  Alert,
  Badge,
  Button,
  Code,
  Grid,
  Group,
  Loader,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../components/ui/api-error';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { AuditExport } from '../features/audit/components/audit-export';
import type { AuditFilter } from '../features/audit/graphql/audit';
import {
  useAuditRecords,
  useAuditRetention,
  useVerifyAuditLog,
} from '../features/audit/hooks/use-audit';
import { formatDateTime } from '../lib/format';
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
  const [action, setAction] = useState('');
  const [resourceType, setResourceType] = useState('');
  const [actorType, setActorType] = useState<string | null>(null);
  const [debounced] = useDebouncedValue({ action, resourceType, actorType }, 300);
  const filter: AuditFilter = {
    ...(debounced.action.trim() ? { action: debounced.action.trim() } : {}),
    ...(debounced.resourceType.trim() ? { resourceType: debounced.resourceType.trim() } : {}),
    ...(debounced.actorType ? { actorType: debounced.actorType } : {}),
  };
  const records = useAuditRecords(filter);
  const rows = records.data?.pages.flatMap((page) => page.records) ?? [];

  return (
    <Page
      title="Audit"
      description="Every change, tamper-evident: each record carries the hash of the one before."
    >
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Section title="Chain verification">
            <ChainStatus />
          </Section>
        </Grid.Col>
        {canExportAudit(viewer) && (
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Section title="Export" description="The records matching the search below.">
              <AuditExport filter={filter} />
            </Section>
          </Grid.Col>
        )}
      </Grid>
      <Section title="Log" description="Newest first.">
        <Group gap="xs" align="flex-end">
          <TextInput
            label="Action"
            placeholder="role.updated"
            value={action}
            onChange={(event) => setAction(event.currentTarget.value)}
          />
          <TextInput
            label="Resource type"
            placeholder="role"
            value={resourceType}
            onChange={(event) => setResourceType(event.currentTarget.value)}
          />
          <Select
            label="Actor"
            placeholder="Anyone"
            clearable
            data={['admin', 'system', 'operator', 'scim', 'endpoint']}
            value={actorType}
            onChange={setActorType}
          />
        </Group>
        <ApiError error={records.error} />
        <Table.ScrollContainer minWidth={800}>
          <Table aria-label="Audit log" striped highlightOnHover verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>#</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th>Actor</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Resource</Table.Th>
                <Table.Th>Details</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((record) => (
                <Table.Tr key={record.id}>
                  <Table.Td>{record.seq}</Table.Td>
                  <Table.Td>{formatDateTime(record.occurredAt)}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" size="sm">
                      {record.actorType}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Code>{record.action}</Code>
                  </Table.Td>
                  <Table.Td>{record.resourceType}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" lineClamp={2} maw={420}>
                      {record.data}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {!records.isLoading && !rows.length && (
          <Text size="sm" c="dimmed">
            No records match: clear the search to see the whole log.
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
