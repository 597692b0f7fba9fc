import { Badge, Code, Table, Text } from '@mantine/core';
import { ApiError } from '../../../components/ui/api-error';
import { formatRelative } from '../../../lib/format';
import { useScimRefusals } from '../hooks/use-settings';

// The identity provider's requests Steward refused, newest first: what to fix in the IdP's
// attribute mappings when provisioning stops.
export function ScimRefusals() {
  const refusals = useScimRefusals();
  if (refusals.error) {
    return <ApiError error={refusals.error} title="The refused requests could not load" />;
  }
  if (!refusals.data) return null;
  if (!refusals.data.length) {
    return (
      <Text size="sm" c="dimmed">
        No request of your identity provider has been refused.
      </Text>
    );
  }
  return (
    <Table aria-label="refused SCIM requests" verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Request</Table.Th>
          <Table.Th>Answer</Table.Th>
          <Table.Th>Why</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {refusals.data.map((refusal) => (
          <Table.Tr key={refusal.id}>
            <Table.Td>{formatRelative(refusal.occurredAt)}</Table.Td>
            <Table.Td>
              <Code>
                {refusal.method} {refusal.path}
              </Code>
            </Table.Td>
            <Table.Td>
              <Badge variant="light" color={refusal.status >= 500 ? 'orange' : 'red'}>
                {refusal.status}
                {refusal.scimType ? ` ${refusal.scimType}` : ''}
              </Badge>
            </Table.Td>
            <Table.Td>{refusal.detail}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
