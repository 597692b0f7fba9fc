import { Button, Group, Progress, SegmentedControl, Stack, Text } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import type { AuditFilter } from '../graphql/audit';
import { useAuditExport, useRequestAuditExport } from '../hooks/use-audit';

// Exports run as a job on the server; the console follows its progress.
export function AuditExport({ filter }: { filter: AuditFilter }) {
  const [format, setFormat] = useState('ndjson');
  const [exportId, setExportId] = useState<string | null>(null);
  const requestExport = useRequestAuditExport();
  const job = useAuditExport(exportId);
  const status = job.data;

  return (
    <Stack gap="xs">
      <Group gap="xs">
        <SegmentedControl
          aria-label="Export format"
          size="xs"
          value={format}
          onChange={setFormat}
          data={[
            { value: 'ndjson', label: 'NDJSON' },
            { value: 'csv', label: 'CSV' },
          ]}
        />
        <Button
          size="xs"
          variant="default"
          loading={requestExport.isPending}
          onClick={() =>
            requestExport.mutate(
              { format, filter },
              { onSuccess: (data) => setExportId(data.requestAuditExport.id) },
            )
          }
        >
          Export matching records
        </Button>
      </Group>
      {status && (
        <Stack gap={4} data-testid="audit-export">
          <Progress
            value={status.status === 'done' ? 100 : status.progress}
            color={status.status === 'failed' ? 'red' : undefined}
            aria-label={`Export ${status.status}`}
          />
          <Text size="xs" role="status">
            {status.status === 'done'
              ? `${status.rowCount} records ready.`
              : status.status === 'failed'
                ? `Export failed: ${status.error ?? 'unknown error'}`
                : `Exporting… ${status.progress}%`}
          </Text>
          {status.status === 'done' && (
            <Button
              component="a"
              href={status.downloadPath}
              download
              size="xs"
              leftSection={<IconDownload size={14} aria-hidden />}
              w="fit-content"
            >
              Download {status.rowCount} records ({status.format === 'csv' ? 'CSV' : 'NDJSON'})
            </Button>
          )}
        </Stack>
      )}
      <ApiError error={requestExport.error ?? job.error} />
    </Stack>
  );
}
