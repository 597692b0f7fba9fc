import { Badge, Text } from '@mantine/core';
import { DataTable, rowSelectColumn } from '../../../components/ui/data-table';
import type { Connector } from '../graphql/connectors';

// The allow-list, each connector with its tool count and whether its catalogue awaits approval.
export function ConnectorList({
  connectors,
  selectedId,
  onSelect,
}: {
  connectors: readonly Connector[];
  selectedId: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <DataTable<Connector>
      label="connectors"
      records={connectors}
      idAccessor="id"
      initialSort={{ columnAccessor: 'name', direction: 'asc' }}
      searchText={(c) => `${c.name} ${c.command ?? ''} ${c.url ?? ''}`}
      emptyText="No connectors"
      columns={[
        rowSelectColumn<Connector>({ accessor: 'name', selectedId, onSelect, name: (c) => c.name }),
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
  );
}
