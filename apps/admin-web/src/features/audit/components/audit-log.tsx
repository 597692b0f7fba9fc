import { Badge, Code, Group, Spoiler, Stack, Table, Text } from '@mantine/core';
import { TextLink } from '../../../components/ui/links';
import { formatDateTime } from '../../../lib/format';
import { actionWords, detailRows } from '../audit-words';
import type { AuditRecordRow } from '../graphql/audit';
import { useAuditNames, type Named } from '../hooks/use-audit-names';

function NameOf({ named }: { named: Named }) {
  if (!named.link) return <>{named.label}</>;
  return (
    <TextLink {...named.link} size="sm" fw={600}>
      {named.label}
    </TextLink>
  );
}

function Details({ data }: { data: string }) {
  const rows = detailRows(data);
  if (!rows.length) return null;
  return (
    <Spoiler maxHeight={44} showLabel="More details" hideLabel="Fewer details">
      <Stack gap={0}>
        {rows.map((row) => (
          <Text key={row.key} size="xs">
            <Text span size="xs" c="dimmed">
              {row.key}:
            </Text>{' '}
            {row.value}
          </Text>
        ))}
      </Stack>
    </Spoiler>
  );
}

// Who did what to which object, when: in words, with the object linked.
export function AuditLogTable({
  records,
  label,
  compact = false,
}: {
  records: readonly AuditRecordRow[];
  label: string;
  compact?: boolean;
}) {
  const names = useAuditNames(records);
  return (
    <Table.ScrollContainer minWidth={compact ? 400 : 800}>
      <Table aria-label={label} striped highlightOnHover verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Who</Table.Th>
            <Table.Th>What</Table.Th>
            {!compact && <Table.Th>Details</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {records.map((record) => {
            const object = names.object(record);
            return (
              <Table.Tr key={record.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {formatDateTime(record.occurredAt)}
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <NameOf named={names.actor(record)} />
                    {record.actorType !== 'admin' && (
                      <Badge variant="light" size="xs" color="gray">
                        {record.actorType}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {actionWords(record.action)}
                    {object && (
                      <>
                        {' '}
                        <NameOf named={object} />
                      </>
                    )}
                  </Text>
                  {!compact && (
                    <Code fz="xs" c="dimmed" bg="transparent" p={0}>
                      {record.action}
                    </Code>
                  )}
                </Table.Td>
                {!compact && (
                  <Table.Td maw={420}>
                    <Details data={record.data} />
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
