import { Checkbox, Select, Table, Text } from '@mantine/core';
import { useConnectors } from '../../connectors/hooks/use-connectors';
import { useRoleFormContext, type Decision } from './role-form';

const DECISIONS = [
  { value: 'allow', label: 'Allow' },
  { value: 'ask', label: 'Ask the person' },
  { value: 'deny', label: 'Deny' },
];

// One row per allow-listed connector: granted or not, and what read and write tools may do.
export function ConnectorRulesEditor({ readOnly }: { readOnly: boolean }) {
  const form = useRoleFormContext();
  const connectors = useConnectors();
  const rules = form.getValues().connectorRules;

  if (!connectors.length) {
    return (
      <Text size="sm" c="dimmed">
        No connectors on the allow-list yet: add one under Connectors to grant its tools here.
      </Text>
    );
  }

  return (
    <Table.ScrollContainer minWidth={520}>
      <Table aria-label="Connector rules" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Connector</Table.Th>
            <Table.Th>Read tools</Table.Th>
            <Table.Th>Write tools</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {connectors.map((connector) => {
            const index = rules.findIndex((rule) => rule.connectorId === connector.id);
            const granted = index >= 0;
            return (
              <Table.Tr key={connector.id}>
                <Table.Td>
                  <Checkbox
                    label={connector.name}
                    checked={granted}
                    disabled={readOnly}
                    onChange={(event) => {
                      if (event.currentTarget.checked) {
                        form.insertListItem('connectorRules', {
                          connectorId: connector.id,
                          read: 'allow',
                          write: 'ask',
                        });
                      } else {
                        form.removeListItem('connectorRules', index);
                      }
                    }}
                  />
                </Table.Td>
                {(['read', 'write'] as const).map((kind) => (
                  <Table.Td key={kind}>
                    {granted ? (
                      <Select
                        aria-label={`${connector.name} ${kind} tools`}
                        data={DECISIONS}
                        allowDeselect={false}
                        disabled={readOnly}
                        size="xs"
                        value={rules[index][kind]}
                        onChange={(value) =>
                          form.setFieldValue(`connectorRules.${index}.${kind}`, value as Decision)
                        }
                      />
                    ) : (
                      <Text size="sm" c="dimmed">
                        Not granted
                      </Text>
                    )}
                  </Table.Td>
                ))}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
