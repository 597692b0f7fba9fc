import { Button, Divider, Group, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { schemaResolver } from '@mantine/form';
import { IconEye } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { DestructiveButton } from '../../../components/ui/confirm';
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
  useRoleFormContext,
  valuesToInput,
} from './role-form';
import { SimulationPreview } from './simulation-preview';

interface RoleEditorProps {
  role: Role | null;
  readOnly: boolean;
  onSaved: (roleId: string) => void;
  onDeleted: () => void;
}

// Everything a role grants: name, capabilities, connector rules and folders.
function RoleFields({ readOnly }: { readOnly: boolean }) {
  const form = useRoleFormContext();
  return (
    <>
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
    </>
  );
}

// Preview and save, and for a saved role, delete (after asking).
function RoleEditorActions({
  role,
  saving,
  deleting,
  onPreview,
  onDelete,
}: {
  role: Role | null;
  saving: boolean;
  deleting: boolean;
  onPreview: () => void;
  onDelete: () => void;
}) {
  return (
    <Group justify="space-between">
      <Group gap="xs">
        {role && (
          <Button
            variant="default"
            leftSection={<IconEye size={16} aria-hidden />}
            onClick={onPreview}
          >
            Preview affected people
          </Button>
        )}
        <Button type="submit" loading={saving}>
          {role ? 'Save and publish' : 'Create role'}
        </Button>
      </Group>
      {role && (
        <DestructiveButton
          loading={deleting}
          title={`Delete role ${role.name}?`}
          message="Everyone who holds it through a group or directly loses what it grants at their next policy pull."
          confirmLabel="Delete role"
          onConfirm={onDelete}
        >
          Delete role
        </DestructiveButton>
      )}
    </Group>
  );
}

// Creates the role, or saves it (which republishes its holders' bundles).
function useSaveRole(role: Role | null, onSaved: (roleId: string) => void) {
  const createRole = useCreateRole();
  const updateRole = useUpdateRole();
  const save = (input: RoleInput, whenSaved: () => void) => {
    if (role) {
      updateRole.mutate(
        { id: role.id, input },
        {
          onSuccess: () => {
            whenSaved();
            onSaved(role.id);
          },
        },
      );
    } else {
      createRole.mutate({ input }, { onSuccess: (created) => onSaved(created.createRole.id) });
    }
  };
  return {
    save,
    saving: createRole.isPending || updateRole.isPending,
    error: createRole.error ?? updateRole.error,
  };
}

export function RoleEditor({ role, readOnly, onSaved, onDeleted }: RoleEditorProps) {
  const form = useRoleForm({
    initialValues: roleToValues(role),
    validate: schemaResolver(roleSchema, { sync: true }),
    validateInputOnChange: true,
  });
  // The draft last previewed; editing after a preview hides it until asked again.
  const [previewed, setPreviewed] = useState<RoleInput | null>(null);
  const { save, saving, error } = useSaveRole(role, onSaved);
  const deleteRole = useDeleteRole();
  const simulation = useSimulateRoleChange(role?.id ?? null, previewed, previewed !== null);
  const submit = form.onSubmit((values) =>
    save(valuesToInput(values, role), () => {
      setPreviewed(null);
      form.resetDirty();
    }),
  );

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
          <RoleFields readOnly={readOnly} />
          <ApiError error={error ?? deleteRole.error} />
          {role && previewed && (
            <SimulationPreview
              isLoading={simulation.isLoading}
              error={simulation.error}
              changes={simulation.data}
            />
          )}
          {!readOnly && (
            <RoleEditorActions
              role={role}
              saving={saving}
              deleting={deleteRole.isPending}
              onPreview={() => {
                if (form.validate().hasErrors) return;
                setPreviewed(valuesToInput(form.getValues(), role));
              }}
              onDelete={() => role && deleteRole.mutate({ id: role.id }, { onSuccess: onDeleted })}
            />
          )}
        </Stack>
      </form>
    </RoleFormProvider>
  );
}
