import { Table, Text } from '@mantine/core';
import { HeadedTable } from '../../../components/ui/headed-table';
import { useRoles } from '../../governance/hooks/use-roles';

// The folders each role opens, read-only here: they are edited in the role.
export function RoleFolders() {
  const roles = useRoles();
  const roots = roles.flatMap((role) => role.folderRoots.map((root) => ({ role, root })));
  if (!roots.length) {
    return (
      <Text size="sm" c="dimmed">
        No role opens a folder yet: add folders to a role under Roles.
      </Text>
    );
  }
  return (
    <HeadedTable label="Folders per role" head={['Role', 'Folder', 'Access', 'Systems']}>
      {roots.map(({ role, root }) => (
        <Table.Tr key={`${role.id}:${root.pattern}:${root.os.join()}`}>
          <Table.Td>{role.name}</Table.Td>
          <Table.Td ff="monospace">{root.pattern}</Table.Td>
          <Table.Td>{root.access === 'read_write' ? 'read and write' : 'read'}</Table.Td>
          <Table.Td>{root.os.length ? root.os.join(', ') : 'all'}</Table.Td>
        </Table.Tr>
      ))}
    </HeadedTable>
  );
}
