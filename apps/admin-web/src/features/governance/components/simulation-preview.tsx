import { Alert, Badge, Group, List, Loader, Table, Text } from '@mantine/core';
import { IconUsers } from '@tabler/icons-react';
import { ApiError } from '../../../components/ui/api-error';
import { CAPABILITY_LABELS, type Capability } from '../capabilities';
import type { UserPolicyChange } from '../graphql/roles';

interface SimulationPreviewProps {
  isLoading: boolean;
  error: unknown;
  changes: readonly UserPolicyChange[] | undefined;
}

function capabilityLabel(name: string) {
  return CAPABILITY_LABELS[name as Capability]?.label ?? name;
}

// Who gains or loses what if the draft is saved: the answer comes from the API's own policy
// engine, over the people who hold the role today.
export function SimulationPreview({ isLoading, error, changes }: SimulationPreviewProps) {
  if (isLoading) return <Loader size="sm" aria-label="Computing affected people" />;
  if (error) return <ApiError error={error} title="Could not preview this change" />;
  if (!changes) return null;
  if (!changes.length) {
    return (
      <Alert variant="light" color="gray" icon={<IconUsers aria-hidden />} title="Nobody affected">
        No one holding this role would gain or lose anything.
      </Alert>
    );
  }
  return (
    <Alert
      variant="light"
      color="yellow"
      icon={<IconUsers aria-hidden />}
      title={`${changes.length} ${changes.length === 1 ? 'person' : 'people'} affected`}
      data-testid="affected-users"
    >
      <Table.ScrollContainer minWidth={520}>
        <Table aria-label="Affected people" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Person</Table.Th>
              <Table.Th>Gains</Table.Th>
              <Table.Th>Loses or tightens</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {changes.map((change) => (
              <Table.Tr key={change.userId}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {change.userName}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {change.capabilitiesGained.map((name) => (
                      <Badge key={name} color="green" variant="light" size="sm">
                        + {capabilityLabel(name)}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} mb={4}>
                    {change.capabilitiesLost.map((name) => (
                      <Badge key={name} color="red" variant="light" size="sm">
                        − {capabilityLabel(name)}
                      </Badge>
                    ))}
                  </Group>
                  <List size="xs" spacing={2}>
                    {change.tools.map((tool) => (
                      <List.Item key={`${tool.connector}/${tool.tool}`}>
                        {tool.connector} · {tool.tool}: {tool.before} → {tool.after}
                      </List.Item>
                    ))}
                    {change.folders.map((folder) => (
                      <List.Item key={`${folder.os}:${folder.location}`}>
                        {folder.location} ({folder.os}): {folder.before} → {folder.after}
                      </List.Item>
                    ))}
                  </List>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Alert>
  );
}
