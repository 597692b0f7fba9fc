import { Alert, Group, Loader, Progress, Stack, Table, Text } from '@mantine/core';
import { ApiError } from '../../../components/ui/api-error';
import { HeadedTable } from '../../../components/ui/headed-table';
import { shortId } from '../../../lib/format';
import { useBundleRollout } from '../hooks/use-endpoints';

// How far one publish has reached the endpoints: current, behind, failed verification.
export function RolloutPanel({ publishId }: { publishId: string }) {
  const rollout = useBundleRollout(publishId);
  if (rollout.isLoading) return <Loader size="sm" aria-label="Loading rollout" />;
  if (rollout.error) return <ApiError error={rollout.error} title="Could not load the rollout" />;
  const data = rollout.data;
  if (!data) return null;
  const percent = data.total ? Math.round((data.current / data.total) * 100) : 0;

  return (
    <Stack gap="sm" data-testid="rollout">
      {data.total === 0 ? (
        <Text size="sm" c="dimmed">
          No enrolled endpoint is affected by this publish yet: endpoints pick it up when they
          enrol.
        </Text>
      ) : (
        <>
          <Group justify="space-between">
            <Text size="sm" fw={500}>
              {data.current} of {data.total} endpoints on this policy
            </Text>
            <Text size="sm" c="dimmed">
              {data.behind} behind · {data.failed.length} failed verification
            </Text>
          </Group>
          <Progress value={percent} aria-label={`Rollout ${percent}% complete`} size="lg" />
        </>
      )}
      {data.failed.length > 0 && (
        <Alert color="red" variant="light" title="Endpoints that refused the bundle">
          <HeadedTable label="Failed verifications" head={['Device', 'User', 'Version', 'Reason']}>
            {data.failed.map((failure) => (
              <Table.Tr key={failure.endpointId}>
                <Table.Td>{failure.deviceName}</Table.Td>
                <Table.Td ff="monospace">{shortId(failure.userId)}</Table.Td>
                <Table.Td>{failure.version}</Table.Td>
                <Table.Td>{failure.reportedReason ?? '—'}</Table.Td>
              </Table.Tr>
            ))}
          </HeadedTable>
        </Alert>
      )}
    </Stack>
  );
}
