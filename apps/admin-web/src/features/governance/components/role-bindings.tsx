import { Badge, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { RemoveButton } from '../../../components/ui/confirm';
import { HeadedTable } from '../../../components/ui/headed-table';
import { formatDateTime } from '../../../lib/format';
import { useDirectoryNames } from '../../directory/directory-names';
import { SubjectLabel } from '../../directory/components/subject-name';
import type { Role, RoleBindingInput } from '../graphql/roles';
import { useBindRole, useSimulateRoleChange, useUnbindRole } from '../hooks/use-roles';
import { BindRoleForm } from './bind-role-form';
import { roleToValues, valuesToInput } from './role-form';
import { SimulationPreview } from './simulation-preview';

function BindingsTable({
  role,
  readOnly,
  onUnbind,
}: {
  role: Role;
  readOnly: boolean;
  onUnbind: (bindingId: string) => void;
}) {
  const names = useDirectoryNames(role.bindings.map((binding) => binding.subjectId));
  if (!role.bindings.length) {
    return (
      <Text size="sm" c="dimmed">
        Nobody holds this role yet. Bind it to a group so SCIM keeps its members current.
      </Text>
    );
  }
  return (
    <HeadedTable
      label={`Bindings of ${role.name}`}
      head={['Kind', 'Who', 'Since', <VisuallyHidden>Actions</VisuallyHidden>]}
    >
      {role.bindings.map((binding) => (
        <Table.Tr key={binding.id}>
          <Table.Td>
            <Badge variant="light">{binding.subjectType}</Badge>
          </Table.Td>
          <Table.Td>
            <SubjectLabel
              kind={binding.subjectType}
              id={binding.subjectId}
              name={names.get(binding.subjectId)}
              loading={names.isLoading}
            />
          </Table.Td>
          <Table.Td>{formatDateTime(binding.createdAt)}</Table.Td>
          <Table.Td>
            {!readOnly && (
              <RemoveButton
                label={`Unbind ${names.get(binding.subjectId)?.name ?? binding.subjectId}`}
                title="Remove this binding?"
                message={`Its members lose ${role.name} at their next policy pull, unless another binding grants it.`}
                confirmLabel="Remove binding"
                onConfirm={() => onUnbind(binding.id)}
              />
            )}
          </Table.Td>
        </Table.Tr>
      ))}
    </HeadedTable>
  );
}

// The API simulates the role as saved, bound to `previewed` as well as to its current holders.
function useBindingPreview(role: Role, previewed: RoleBindingInput | null) {
  return useSimulateRoleChange(
    role.id,
    valuesToInput(roleToValues(role), role),
    previewed !== null,
    previewed && [
      ...role.bindings.map(({ subjectType, subjectId }) => ({ subjectType, subjectId })),
      previewed,
    ],
  );
}

// Groups (kept current by SCIM) or single people who hold the role.
export function RoleBindings({ role, readOnly }: { role: Role; readOnly: boolean }) {
  const bindRole = useBindRole();
  const unbindRole = useUnbindRole();
  // The binding last previewed; picking another hides the preview until asked again.
  const [previewed, setPreviewed] = useState<RoleBindingInput | null>(null);
  const simulation = useBindingPreview(role, previewed);

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Bound to
      </Title>
      <BindingsTable
        role={role}
        readOnly={readOnly}
        onUnbind={(bindingId) => unbindRole.mutate({ bindingId })}
      />
      {!readOnly && (
        <BindRoleForm
          binding={bindRole.isPending}
          onPreview={setPreviewed}
          onBind={(binding, done) =>
            bindRole.mutate({ roleId: role.id, ...binding }, { onSuccess: done })
          }
        />
      )}
      {previewed && (
        <SimulationPreview
          isLoading={simulation.isLoading}
          error={simulation.error}
          changes={simulation.data}
        />
      )}
      <ApiError error={bindRole.error ?? unbindRole.error} />
    </Stack>
  );
}
