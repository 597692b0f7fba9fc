import { Alert, Badge, Group, List, Loader, Table, Text } from '@mantine/core';
import { IconUsers } from '@tabler/icons-react';
import { ApiError } from '../../../components/ui/api-error';
import { CAPABILITY_LABELS, type Capability } from '../capabilities';
import { HeadedTable } from '../../../components/ui/headed-table';
import type { UserPolicyChange } from '../graphql/roles';

interface SimulationPreviewProps {
  isLoading: boolean;
  error: unknown;
  changes: readonly UserPolicyChange[] | undefined;
}

function capabilityLabel(name: string) {
  return CAPABILITY_LABELS[name as Capability]?.label ?? name;
}

// How much each value lets through: a change up this scale is a gain, down it a loss.
const TOOL_RANK: Record<string, number> = { deny: 0, ask: 1, allow: 2 };
const FOLDER_RANK: Record<string, number> = { forbidden: 0, none: 0, read: 1, 'read-write': 2 };

type Change = UserPolicyChange;

// One person's tool and folder changes, split into what opens up and what closes.
function splitChanges(change: Change, gains: boolean) {
  const opens = (before: number | undefined, after: number | undefined) =>
    (after ?? 0) > (before ?? 0) === gains;
  return {
    tools: change.tools.filter((t) => opens(TOOL_RANK[t.before], TOOL_RANK[t.after])),
    folders: change.folders.filter((f) => opens(FOLDER_RANK[f.before], FOLDER_RANK[f.after])),
  };
}

function ChangeList({ change, gains }: { change: Change; gains: boolean }) {
  const { tools, folders } = splitChanges(change, gains);
  if (!tools.length && !folders.length) return null;
  return (
    <List size="xs" spacing={2}>
      {tools.map((tool) => (
        <List.Item key={`${tool.connector}/${tool.tool}`}>
          {tool.connector} · {tool.tool}: {tool.before} → {tool.after}
        </List.Item>
      ))}
      {folders.map((folder) => (
        <List.Item key={`${folder.os}:${folder.location}`}>
          {folder.location} ({folder.os}): {folder.before} → {folder.after}
        </List.Item>
      ))}
    </List>
  );
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
        <HeadedTable label="Affected people" head={['Person', 'Gains', 'Loses or tightens']}>
          {changes.map((change) => (
            <Table.Tr key={change.userId}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {change.userName}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4} mb={4}>
                  {change.capabilitiesGained.map((name) => (
                    <Badge key={name} color="green" variant="light" size="sm">
                      + {capabilityLabel(name)}
                    </Badge>
                  ))}
                </Group>
                <ChangeList change={change} gains />
              </Table.Td>
              <Table.Td>
                <Group gap={4} mb={4}>
                  {change.capabilitiesLost.map((name) => (
                    <Badge key={name} color="red" variant="light" size="sm">
                      − {capabilityLabel(name)}
                    </Badge>
                  ))}
                </Group>
                <ChangeList change={change} gains={false} />
              </Table.Td>
            </Table.Tr>
          ))}
        </HeadedTable>
      </Table.ScrollContainer>
    </Alert>
  );
}
