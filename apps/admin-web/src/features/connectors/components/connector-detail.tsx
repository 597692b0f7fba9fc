import { Alert, Button, Group, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError } from '../../../components/ui/api-error';
import { DestructiveButton } from '../../../components/ui/confirm';
import { formatDateTime } from '../../../lib/format';
import type { Connector } from '../graphql/connectors';
import { useApproveConnectorCatalogue, useDeleteConnector } from '../hooks/use-connectors';
import { CatalogueUpload } from './catalogue-upload';
import { ConnectorRoleRules } from './connector-role-rules';
import { ToolCatalogue } from './tool-catalogue';

interface ConnectorPartProps {
  connector: Connector;
  readOnly: boolean;
}

function ConnectorHeader({
  connector,
  readOnly,
  onRemove,
}: ConnectorPartProps & { onRemove: () => void }) {
  return (
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
        <DestructiveButton
          title={`Remove ${connector.name} from the allow-list?`}
          message="Every role loses its rules for it and endpoints stop calling it at their next policy pull."
          confirmLabel="Remove connector"
          onConfirm={onRemove}
        >
          Remove
        </DestructiveButton>
      )}
    </Group>
  );
}

// New and changed tools wait at "ask" until an admin approves the catalogue they came with.
function DriftAlert({
  connector,
  readOnly,
  approving,
  onApprove,
}: ConnectorPartProps & { approving: boolean; onApprove: () => void }) {
  return (
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
          <Button size="xs" color="orange" w="fit-content" loading={approving} onClick={onApprove}>
            Approve this catalogue
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function ConnectorDetail({
  connector,
  readOnly,
  onDeleted,
}: ConnectorPartProps & { onDeleted: () => void }) {
  const approve = useApproveConnectorCatalogue();
  const deleteConnector = useDeleteConnector();
  return (
    <Stack gap="md">
      <ConnectorHeader
        connector={connector}
        readOnly={readOnly}
        onRemove={() => deleteConnector.mutate({ id: connector.id }, { onSuccess: onDeleted })}
      />
      {connector.drift && (
        <DriftAlert
          connector={connector}
          readOnly={readOnly}
          approving={approve.isPending}
          onApprove={() =>
            approve.mutate({ id: connector.id, catalogueHash: connector.catalogueHash })
          }
        />
      )}
      <ApiError error={approve.error ?? deleteConnector.error} />

      <ToolCatalogue connector={connector} readOnly={readOnly} />
      <CatalogueUpload connector={connector} readOnly={readOnly} />
      <ConnectorRoleRules connector={connector} />
    </Stack>
  );
}
