import { Button, Grid, Group, Paper, Text } from '@mantine/core';
import { IconPlus, IconShieldLock } from '@tabler/icons-react';
import { useState } from 'react';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { RoleBindings } from '../features/governance/components/role-bindings';
import { RoleEditor } from '../features/governance/components/role-editor';
import { RoleList } from '../features/governance/components/role-list';
import type { Role } from '../features/governance/graphql/roles';
import { useRoles } from '../features/governance/hooks/use-roles';
import { canEdit } from '../lib/permissions';

type Selection = { kind: 'none' } | { kind: 'new' } | { kind: 'role'; id: string };

function NoRoles({ editable }: { editable: boolean }) {
  return (
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
      connectors, auto-approval, …) with connector and folder rules. Bind roles to groups so SCIM
      keeps access current.
    </EmptyState>
  );
}

// The open role (or the new one): its editor, and for a saved role who it is bound to.
function RolePanel({
  role,
  editable,
  onSelect,
}: {
  role: Role | null;
  editable: boolean;
  onSelect: (selection: Selection) => void;
}) {
  return (
    <Paper withBorder p="lg" radius="md">
      <RoleEditor
        key={role?.id ?? 'new'}
        role={role}
        readOnly={!editable}
        onSaved={(id) => onSelect({ kind: 'role', id })}
        onDeleted={() => onSelect({ kind: 'none' })}
      />
      {role && (
        <Paper
          mt="lg"
          pt="md"
          style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
        >
          <RoleBindings key={role.id} role={role} readOnly={!editable} />
        </Paper>
      )}
    </Paper>
  );
}

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
        <NoRoles editable={editable} />
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <RoleList
              roles={roles}
              selectedId={selected?.id}
              onSelect={(id) => setSelection({ kind: 'role', id })}
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
              <RolePanel role={selected ?? null} editable={editable} onSelect={setSelection} />
            )}
          </Grid.Col>
        </Grid>
      )}
    </Page>
  );
}
