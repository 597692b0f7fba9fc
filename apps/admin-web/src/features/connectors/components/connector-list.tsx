import { Badge, Text } from '@mantine/core';
import { DataTable, rowSelectColumn, type RowSelection } from '../../../components/ui/data-table';
import type { Connector } from '../graphql/connectors';

// The allow-list, each connector with its tool count and whether its catalogue awaits approval.
export function ConnectorList({
  connectors,
  ...selection
}: { connectors: readonly Connector[] } & RowSelection) {
  return (
    <DataTable<Connector>
      label="connectors"
      records={connectors}
      idAccessor="id"
      initialSort={{ columnAccessor: 'name', direction: 'asc' }}
      searchText={(c) => `${c.name} ${c.command ?? ''} ${c.url ?? ''}`}
      emptyText="No connectors"
      columns={[
        rowSelectColumn<Connector>(selection, { accessor: 'name', name: (c) => c.name }),
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
