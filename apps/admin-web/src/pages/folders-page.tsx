import { Badge, Group, Switch, Table, Text } from '@mantine/core';
import { RemoveButton } from '../components/ui/confirm';
import { DataTable } from '../components/ui/data-table';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { CeilingForm } from '../features/folders/components/ceiling-form';
import { WebHostsEditor } from '../features/folders/components/web-hosts-editor';
import type { CeilingEntry } from '../features/folders/graphql/folders';
import {
  useGovernanceSettings,
  useRemoveCeilingEntry,
  useSetAutoApprovePlansAllowed,
  useSetCeilingDefaultEnabled,
} from '../features/folders/hooks/use-governance-settings';
import { useRoles } from '../features/governance/hooks/use-roles';
import { canEdit } from '../lib/permissions';

export function FoldersPage() {
  const viewer = useViewer();
  const editable = canEdit(viewer);
  const settings = useGovernanceSettings();
  const roles = useRoles();
  const remove = useRemoveCeilingEntry();
  const toggle = useSetCeilingDefaultEnabled();
  const setAutoApprove = useSetAutoApprovePlansAllowed();
  const roots = roles.flatMap((role) => role.folderRoots.map((root) => ({ role, root })));

  return (
    <Page
      title="Folders"
      description="The ceiling no role can reach past, the folders each role opens, and the web hosts the agent’s shell may reach."
    >
      <Section
        title="Ceiling"
        description="Folders the agent never touches, whatever a role grants. Built-in entries protect credentials and system folders."
      >
        <DataTable<CeilingEntry>
          label="ceiling entries"
          records={settings.ceiling}
          idAccessor="id"
          initialSort={{ columnAccessor: 'pattern', direction: 'asc' }}
          searchText={(entry) => `${entry.pattern} ${entry.description}`}
          emptyText="No ceiling entries"
          pageSize={10}
          columns={[
            {
              accessor: 'pattern',
              title: 'Folder',
              sortable: true,
              render: (entry) => (
                <Text size="sm" ff="monospace">
                  {entry.pattern}
                </Text>
              ),
            },
            { accessor: 'scope', title: 'Covers', sortable: true },
            {
              accessor: 'os',
              title: 'Systems',
              render: (entry) => (entry.os.length ? entry.os.join(', ') : 'all'),
            },
            { accessor: 'description', title: 'Why' },
            {
              accessor: 'builtIn',
              title: 'Source',
              sortable: true,
              render: (entry) => (
                <Badge variant="light" color={entry.builtIn ? 'gray' : 'blue'}>
                  {entry.builtIn ? 'built-in' : 'yours'}
                </Badge>
              ),
            },
            {
              accessor: 'enabled',
              title: 'In force',
              render: (entry) =>
                entry.builtIn ? (
                  <Switch
                    aria-label={`${entry.pattern} in force`}
                    checked={entry.enabled}
                    disabled={!editable}
                    onChange={(event) =>
                      toggle.mutate({ id: entry.id, enabled: event.currentTarget.checked })
                    }
                  />
                ) : editable ? (
                  <RemoveButton
                    label={`Remove ${entry.pattern}`}
                    title={`Remove ${entry.pattern} from the ceiling?`}
                    message="Roles that open this folder will reach it again."
                    confirmLabel="Remove"
                    onConfirm={() => remove.mutate({ id: entry.id })}
                  />
                ) : (
                  'yes'
                ),
            },
          ]}
        />
        {editable && <CeilingForm />}
      </Section>

      <Section
        title="Network"
        description="The web hosts the agent’s shell commands may reach; every other host is refused."
      >
        <WebHostsEditor editable={editable} />
      </Section>

      <Section title="Per-role folders" description="Edit them in each role under Roles.">
        {roots.length ? (
          <Table aria-label="Folders per role" verticalSpacing={4}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Role</Table.Th>
                <Table.Th>Folder</Table.Th>
                <Table.Th>Access</Table.Th>
                <Table.Th>Systems</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {roots.map(({ role, root }) => (
                <Table.Tr key={`${role.id}:${root.pattern}:${root.os.join()}`}>
                  <Table.Td>{role.name}</Table.Td>
                  <Table.Td ff="monospace">{root.pattern}</Table.Td>
                  <Table.Td>{root.access === 'read_write' ? 'read and write' : 'read'}</Table.Td>
                  <Table.Td>{root.os.length ? root.os.join(', ') : 'all'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text size="sm" c="dimmed">
            No role opens a folder yet: add folders to a role under Roles.
          </Text>
        )}
      </Section>

      <Section title="Plan approval">
        <Group>
          <Switch
            label="Roles may let plans run without the person’s approval"
            checked={settings.autoApprovePlansAllowed}
            disabled={!editable}
            onChange={(event) => setAutoApprove.mutate({ allowed: event.currentTarget.checked })}
          />
        </Group>
      </Section>
    </Page>
  );
}
