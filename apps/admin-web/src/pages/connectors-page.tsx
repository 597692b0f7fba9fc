import { Button, Grid, Group, Modal, Paper, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlugConnected, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { ConnectorDetail } from '../features/connectors/components/connector-detail';
import { ConnectorForm } from '../features/connectors/components/connector-form';
import { ConnectorList } from '../features/connectors/components/connector-list';
import { useConnectors } from '../features/connectors/hooks/use-connectors';
import { canEdit } from '../lib/permissions';

// The button and its dialog; a new connector opens beside the list.
function AddConnector({ onCreated }: { onCreated: (id: string) => void }) {
  const [adding, { open, close }] = useDisclosure(false);
  return (
    <>
      <Group>
        <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={open}>
          Add connector
        </Button>
      </Group>
      <Modal opened={adding} onClose={close} title="Add a connector to the allow-list">
        <ConnectorForm
          onCreated={(id) => {
            close();
            onCreated(id);
          }}
        />
      </Modal>
    </>
  );
}

function NoConnectors() {
  return (
    <EmptyState
      icon={<IconPlugConnected size={26} />}
      title="No connectors on the allow-list"
      nextStep="add a connector, import its tool catalogue, then grant it to roles."
    >
      Only connectors on this list can be called from the agent. Each tool is classed read or write
      from its annotations, and each role decides allow, ask or deny for both.
    </EmptyState>
  );
}

export function ConnectorsPage() {
  const viewer = useViewer();
  const connectors = useConnectors();
  const editable = canEdit(viewer);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = connectors.find((c) => c.id === selectedId);

  return (
    <Page
      title="Connectors"
      description="The MCP servers people may use, their tools, and what each role may call."
    >
      {editable && <AddConnector onCreated={setSelectedId} />}
      {!connectors.length ? (
        <NoConnectors />
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <ConnectorList
              connectors={connectors}
              selectedId={selectedId}
              onSelect={setSelectedId}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Paper withBorder p="lg" radius="md">
              {selected ? (
                <ConnectorDetail
                  connector={selected}
                  readOnly={!editable}
                  onDeleted={() => setSelectedId(null)}
                />
              ) : (
                <Text c="dimmed" size="sm">
                  Choose a connector to see its tools, review drift and see what each role may call.
                </Text>
              )}
            </Paper>
          </Grid.Col>
        </Grid>
      )}
    </Page>
  );
}
