import { Badge, Button, Grid, Group, Modal, Paper, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconPlugConnected, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { DataTable } from '../components/ui/data-table';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { ConnectorDetail } from '../features/connectors/components/connector-detail';
import { ConnectorForm } from '../features/connectors/components/connector-form';
import type { Connector } from '../features/connectors/graphql/connectors';
import { useConnectors } from '../features/connectors/hooks/use-connectors';
import { canEdit } from '../lib/permissions';

export function ConnectorsPage() {
  const viewer = useViewer();
  const connectors = useConnectors();
  const editable = canEdit(viewer);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [adding, { open: openAdding, close: closeAdding }] = useDisclosure(false);
  const selected = connectors.find((c) => c.id === selectedId);

  return (
    <Page
      title="Connectors"
      description="The MCP servers people may use, their tools, and what each role may call."
    >
      {editable && (
        <Group>
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={openAdding}>
            Add connector
          </Button>
        </Group>
      )}
      <Modal opened={adding} onClose={closeAdding} title="Add a connector to the allow-list">
        <ConnectorForm
          onCreated={(id) => {
            closeAdding();
            setSelectedId(id);
          }}
        />
      </Modal>
      {!connectors.length ? (
        <EmptyState
          icon={<IconPlugConnected size={26} />}
          title="No connectors on the allow-list"
          nextStep="add a connector, import its tool catalogue, then grant it to roles."
        >
          Only connectors on this list can be called from the agent. Each tool is classed read or
          write from its annotations, and each role decides allow, ask or deny for both.
        </EmptyState>
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <DataTable<Connector>
              label="connectors"
              records={connectors}
              idAccessor="id"
              initialSort={{ columnAccessor: 'name', direction: 'asc' }}
              searchText={(c) => `${c.name} ${c.command ?? ''} ${c.url ?? ''}`}
              emptyText="No connectors"
              columns={[
                {
                  accessor: 'name',
                  sortable: true,
                  render: (c) => (
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      aria-pressed={c.id === selectedId}
                      onClick={() => setSelectedId(c.id)}
                    >
                      {c.name}
                    </Button>
                  ),
                },
                {
                  accessor: 'tools',
                  title: 'Tools',
                  render: (c) => <Text size="sm">{c.tools.length}</Text>,
                },
                {
                  accessor: 'drift',
                  title: 'Review',
                  sortable: true,
                  render: (c) =>
                    c.drift ? (
                      <Badge color="orange" variant="light">
                        to approve
                      </Badge>
                    ) : (
                      <Badge color="green" variant="light">
                        approved
                      </Badge>
                    ),
                },
              ]}
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
