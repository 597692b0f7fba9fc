import { Badge, Text } from '@mantine/core';
import { DataTable, rowSelectColumn, type RowSelection } from '../../../components/ui/data-table';
import type { Role } from '../graphql/roles';

// The roles, each with how many capabilities it grants and how many bindings hold it.
export function RoleList({ roles, ...selection }: { roles: readonly Role[] } & RowSelection) {
  return (
    <DataTable<Role>
      label="roles"
      records={roles}
      idAccessor="id"
      initialSort={{ columnAccessor: 'name', direction: 'asc' }}
      searchText={(role) => `${role.name} ${role.description}`}
      emptyText="No roles yet"
      columns={[
        rowSelectColumn<Role>(selection, { accessor: 'name', name: (role) => role.name }),
        {
          accessor: 'capabilities',
          title: 'Capabilities',
          render: (role) => <Badge variant="light">{role.capabilities.length}</Badge>,
        },
        {
          accessor: 'bindings',
          title: 'Bindings',
          render: (role) => <Text size="sm">{role.bindings.length}</Text>,
        },
      ]}
    />
  );
}
