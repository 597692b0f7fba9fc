import { Badge, Table, Text, Title } from '@mantine/core';
import { HeadedTable } from '../../../components/ui/headed-table';
import { useRoles } from '../../governance/hooks/use-roles';
import type { Connector } from '../graphql/connectors';

const DECISION_COLORS = { allow: 'green', ask: 'yellow', deny: 'red' } as const;

// What each role lets its holders do with this connector's read and write tools.
export function ConnectorRoleRules({ connector }: { connector: Connector }) {
  const roles = useRoles();
  const rules = roles.flatMap((role) =>
    role.connectorRules
      .filter((rule) => rule.connectorId === connector.id)
      .map((rule) => ({ role, rule })),
  );
  return (
    <>
      <Title order={3} size="h5">
        Per role
      </Title>
      {rules.length ? (
        <HeadedTable
          label={`Roles granting ${connector.name}`}
          head={['Role', 'Read tools', 'Write tools', 'Tool exceptions']}
        >
          {rules.map(({ role, rule }) => (
            <Table.Tr key={role.id}>
              <Table.Td>{role.name}</Table.Td>
              <Table.Td>
                <Badge color={DECISION_COLORS[rule.read]} variant="light">
                  {rule.read}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Badge color={DECISION_COLORS[rule.write]} variant="light">
                  {rule.write}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="xs">
                  {rule.toolOverrides.map((o) => `${o.tool}: ${o.decision}`).join(', ') || '—'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </HeadedTable>
      ) : (
        <Text size="sm" c="dimmed">
          No role grants this connector yet: open a role under Roles and set its read and write
          tools to allow, ask or deny.
        </Text>
      )}
    </>
  );
}
