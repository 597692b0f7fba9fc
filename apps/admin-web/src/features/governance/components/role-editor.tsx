import { Button, Divider, Group, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { schemaResolver } from '@mantine/form';
import { IconEye } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { confirmDestructive } from '../../../components/ui/confirm';
import type { Role, RoleInput } from '../graphql/roles';
import {
  useCreateRole,
  useDeleteRole,
  useSimulateRoleChange,
  useUpdateRole,
} from '../hooks/use-roles';
import { CapabilityMatrix } from './capability-matrix';
import { ConnectorRulesEditor } from './connector-rules-editor';
import { FolderRootsEditor } from './folder-roots-editor';
import {
  RoleFormProvider,
  roleSchema,
  roleToValues,
  useRoleForm,
  valuesToInput,
} from './role-form';
import { SimulationPreview } from './simulation-preview';

interface RoleEditorProps {
  role: Role | null;
  readOnly: boolean;
  onSaved: (roleId: string) => void;
  onDeleted: () => void;
}

export function RoleEditor({ role, readOnly, onSaved, onDeleted }: RoleEditorProps) {
  const form = useRoleForm({
    initialValues: roleToValues(role),
    validate: schemaResolver(roleSchema, { sync: true }),
    validateInputOnChange: true,
  });
  // The draft last previewed; editing after a preview hides it until asked again.
  const [previewed, setPreviewed] = useState<RoleInput | null>(null);
  const createRole = useCreateRole();
  const updateRole = useUpdateRole();
  const deleteRole = useDeleteRole();
  const simulation = useSimulateRoleChange(role?.id ?? null, previewed, previewed !== null);
  const saving = createRole.isPending || updateRole.isPending;

  const submit = form.onSubmit((values) => {
    const input = valuesToInput(values, role);
    if (role) {
      updateRole.mutate(
        { id: role.id, input },
        {
          onSuccess: () => {
            setPreviewed(null);
            form.resetDirty();
            onSaved(role.id);
          },
        },
      );
    } else {
      createRole.mutate({ input }, { onSuccess: (created) => onSaved(created.createRole.id) });
    }
  });

  return (
    <RoleFormProvider form={form}>
      <form
        onSubmit={submit}
        onChange={() => setPreviewed(null)}
        noValidate
        aria-label={role ? `Edit role ${role.name}` : 'New role'}
      >
        <Stack gap="md">
          <Title order={2} size="h4">
            {role ? role.name : 'New role'}
          </Title>
          <Group grow align="flex-start">
            <TextInput
              label="Name"
              required
              disabled={readOnly}
              key={form.key('name')}
              {...form.getInputProps('name')}
            />
            <Textarea
              label="Description"
              autosize
              minRows={1}
              disabled={readOnly}
              key={form.key('description')}
              {...form.getInputProps('description')}
            />
          </Group>
          <CapabilityMatrix readOnly={readOnly} />
          <Divider />
          <Text fw={500} size="sm">
            Connectors
          </Text>
          <ConnectorRulesEditor readOnly={readOnly} />
          <Divider />
          <Text fw={500} size="sm">
            Folders
          </Text>
          <FolderRootsEditor readOnly={readOnly} />
          <ApiError error={createRole.error ?? updateRole.error ?? deleteRole.error} />
          {role && previewed && (
            <SimulationPreview
              isLoading={simulation.isLoading}
              error={simulation.error}
              changes={simulation.data}
            />
          )}
          {!readOnly && (
            <Group justify="space-between">
              <Group gap="xs">
                {role && (
                  <Button
                    variant="default"
                    leftSection={<IconEye size={16} aria-hidden />}
                    onClick={() => {
                      if (form.validate().hasErrors) return;
                      setPreviewed(valuesToInput(form.getValues(), role));
                    }}
                  >
                    Preview affected people
                  </Button>
                )}
                <Button type="submit" loading={saving}>
                  {role ? 'Save and publish' : 'Create role'}
                </Button>
              </Group>
              {role && (
                <Button
                  variant="subtle"
                  color="red"
                  loading={deleteRole.isPending}
                  onClick={() =>
                    confirmDestructive({
                      title: `Delete role ${role.name}?`,
                      message:
                        'Everyone who holds it through a group or directly loses what it grants at their next policy pull.',
                      confirmLabel: 'Delete role',
                      onConfirm: () =>
                        deleteRole.mutate({ id: role.id }, { onSuccess: () => onDeleted() }),
                    })
                  }
                >
                  Delete role
                </Button>
              )}
            </Group>
          )}
        </Stack>
      </form>
    </RoleFormProvider>
  );
}
