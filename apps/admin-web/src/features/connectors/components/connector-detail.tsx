import { Alert, Badge, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError } from '../../../components/ui/api-error';
import { confirmDestructive } from '../../../components/ui/confirm';
import { formatDateTime } from '../../../lib/format';
import { useRoles } from '../../governance/hooks/use-roles';
import type { Connector } from '../graphql/connectors';
import { useApproveConnectorCatalogue, useDeleteConnector } from '../hooks/use-connectors';
import { CatalogueUpload } from './catalogue-upload';
import { ToolCatalogue } from './tool-catalogue';

const DECISION_COLORS = { allow: 'green', ask: 'yellow', deny: 'red' } as const;

export function ConnectorDetail({
  connector,
  readOnly,
  onDeleted,
}: {
  connector: Connector;
  readOnly: boolean;
  onDeleted: () => void;
}) {
  const roles = useRoles();
  const approve = useApproveConnectorCatalogue();
  const deleteConnector = useDeleteConnector();
  const rules = roles.flatMap((role) =>
    role.connectorRules
      .filter((rule) => rule.connectorId === connector.id)
      .map((rule) => ({ role, rule })),
  );

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Title order={2} size="h4">
            {connector.name}{' '}
            <Text span c="dimmed" size="sm">
              v{connector.version}
            </Text>
          </Title>
          <Text size="sm" c="dimmed" ff="monospace">
            {connector.transport === 'stdio'
              ? [connector.command, ...connector.args].join(' ')
              : connector.url}
          </Text>
        </div>
        {!readOnly && (
          <Button
            variant="subtle"
            color="red"
            onClick={() =>
              confirmDestructive({
                title: `Remove ${connector.name} from the allow-list?`,
                message:
                  'Every role loses its rules for it and endpoints stop calling it at their next policy pull.',
                confirmLabel: 'Remove connector',
                onConfirm: () =>
                  deleteConnector.mutate({ id: connector.id }, { onSuccess: onDeleted }),
              })
            }
          >
            Remove
          </Button>
        )}
      </Group>

      {connector.drift && (
        <Alert
          color="orange"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          title="The tool catalogue changed since it was approved"
          data-testid="drift-alert"
        >
          <Stack gap="xs">
            <Text size="sm">
              New and changed tools are held at “ask” until you approve this catalogue (imported{' '}
              {formatDateTime(connector.importedAt)}).
            </Text>
            {!readOnly && (
              <Button
                size="xs"
                color="orange"
                w="fit-content"
                loading={approve.isPending}
                onClick={() =>
                  approve.mutate({ id: connector.id, catalogueHash: connector.catalogueHash })
                }
              >
                Approve this catalogue
              </Button>
            )}
          </Stack>
        </Alert>
      )}
      <ApiError error={approve.error ?? deleteConnector.error} />

      <ToolCatalogue connector={connector} readOnly={readOnly} />
      <CatalogueUpload connector={connector} readOnly={readOnly} />

      <Title order={3} size="h5">
        Per role
      </Title>
      {rules.length ? (
        <Table aria-label={`Roles granting ${connector.name}`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Role</Table.Th>
              <Table.Th>Read tools</Table.Th>
              <Table.Th>Write tools</Table.Th>
              <Table.Th>Tool exceptions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
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
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No role grants this connector yet: open a role under Roles and set its read and write
          tools to allow, ask or deny.
        </Text>
      )}
    </Stack>
  );
}
