import { Badge, Button, Grid, Group, Paper, Text } from '@mantine/core';
import { IconPlus, IconShieldLock } from '@tabler/icons-react';
import { useState } from 'react';
import { DataTable } from '../components/ui/data-table';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { RoleBindings } from '../features/governance/components/role-bindings';
import { RoleEditor } from '../features/governance/components/role-editor';
import type { Role } from '../features/governance/graphql/roles';
import { useRoles } from '../features/governance/hooks/use-roles';
import { canEdit } from '../lib/permissions';

type Selection = { kind: 'none' } | { kind: 'new' } | { kind: 'role'; id: string };

export function RolesPage() {
  const viewer = useViewer();
  const roles = useRoles();
  const editable = canEdit(viewer);
  const [selection, setSelection] = useState<Selection>({ kind: 'none' });
  const selected = selection.kind === 'role' ? roles.find((r) => r.id === selection.id) : undefined;

  return (
    <Page title="Roles" description="What the agent may do, given to groups or people.">
      {editable && (
        <Group>
          <Button
            leftSection={<IconPlus size={16} aria-hidden />}
            onClick={() => setSelection({ kind: 'new' })}
          >
            New role
          </Button>
        </Group>
      )}
      {!roles.length && selection.kind !== 'new' ? (
        <EmptyState
          icon={<IconShieldLock size={26} />}
          title="No roles yet"
          nextStep={
            editable ? (
              <>
                create a role, then bind it to a group from{' '}
                <TextLink to="/people">People &amp; groups</TextLink>.
              </>
            ) : (
              'an owner or admin creates the first role.'
            )
          }
        >
          A role is a named set of capabilities (shell, web access, computer use, scheduled tasks,
          connectors, auto-approval, …) with connector and folder rules. Bind roles to groups so
          SCIM keeps access current.
        </EmptyState>
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <DataTable<Role>
              label="roles"
              records={roles}
              idAccessor="id"
              initialSort={{ columnAccessor: 'name', direction: 'asc' }}
              searchText={(role) => `${role.name} ${role.description}`}
              emptyText="No roles yet"
              columns={[
                {
                  accessor: 'name',
                  sortable: true,
                  render: (role) => (
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      onClick={() => setSelection({ kind: 'role', id: role.id })}
                      aria-pressed={selected?.id === role.id}
                    >
                      {role.name}
                    </Button>
                  ),
                },
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
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            {selection.kind === 'none' || (selection.kind === 'role' && !selected) ? (
              <Paper withBorder p="lg" radius="md">
                <Text c="dimmed" size="sm">
                  Choose a role to see its capabilities, connector and folder rules and bindings.
                </Text>
              </Paper>
            ) : (
              <Paper withBorder p="lg" radius="md">
                <RoleEditor
                  key={selected?.id ?? 'new'}
                  role={selected ?? null}
                  readOnly={!editable}
                  onSaved={(id) => setSelection({ kind: 'role', id })}
                  onDeleted={() => setSelection({ kind: 'none' })}
                />
                {selected && (
                  <Paper
                    mt="lg"
                    pt="md"
                    style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
                  >
                    <RoleBindings key={selected.id} role={selected} readOnly={!editable} />
                  </Paper>
                )}
              </Paper>
            )}
          </Grid.Col>
        </Grid>
      )}
    </Page>
  );
}
