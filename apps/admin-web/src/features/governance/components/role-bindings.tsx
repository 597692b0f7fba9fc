import {
  Badge,
  Button,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconEye } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { formatDateTime } from '../../../lib/format';
import type { Role, RoleBindingInput } from '../graphql/roles';
import { useBindRole, useSimulateRoleChange, useUnbindRole } from '../hooks/use-roles';
import { roleToValues, valuesToInput } from './role-form';
import { SimulationPreview } from './simulation-preview';
import { RemoveButton } from '../../../components/ui/confirm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Groups (kept current by SCIM) or single people who hold the role.
export function RoleBindings({ role, readOnly }: { role: Role; readOnly: boolean }) {
  const bindRole = useBindRole();
  const unbindRole = useUnbindRole();
  // The binding last previewed: the API simulates the role as saved, bound to it as well.
  const [previewed, setPreviewed] = useState<RoleBindingInput | null>(null);
  const form = useForm({
    initialValues: { subjectType: 'group' as 'group' | 'user', subjectId: '' },
    validate: {
      subjectId: (value) =>
        UUID.test(value.trim()) ? null : 'Paste the group’s or person’s Steward ID (a UUID)',
    },
    validateInputOnChange: ['subjectId'],
    onValuesChange: () => setPreviewed(null),
  });
  const simulation = useSimulateRoleChange(
    role.id,
    valuesToInput(roleToValues(role), role),
    previewed !== null,
    previewed && [
      ...role.bindings.map(({ subjectType, subjectId }) => ({ subjectType, subjectId })),
      previewed,
    ],
  );

  return (
    <Stack gap="sm">
      <Title order={3} size="h5">
        Bound to
      </Title>
      {role.bindings.length ? (
        <Table aria-label={`Bindings of ${role.name}`} verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Kind</Table.Th>
              <Table.Th>ID</Table.Th>
              <Table.Th>Since</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {role.bindings.map((binding) => (
              <Table.Tr key={binding.id}>
                <Table.Td>
                  <Badge variant="light">{binding.subjectType}</Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace">
                    {binding.subjectId}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDateTime(binding.createdAt)}</Table.Td>
                <Table.Td>
                  {!readOnly && (
                    <RemoveButton
                      label={`Unbind ${binding.subjectType} ${binding.subjectId}`}
                      title="Remove this binding?"
                      message={`Its members lose ${role.name} at their next policy pull, unless another binding grants it.`}
                      confirmLabel="Remove binding"
                      onConfirm={() => unbindRole.mutate({ bindingId: binding.id })}
                    />
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          Nobody holds this role yet. Bind it to a group so SCIM keeps its members current.
        </Text>
      )}
      {!readOnly && (
        <form
          noValidate
          aria-label="Bind role"
          onSubmit={form.onSubmit((values) =>
            bindRole.mutate(
              {
                roleId: role.id,
                subjectId: values.subjectId.trim(),
                subjectType: values.subjectType,
              },
              {
                onSuccess: () => {
                  form.reset();
                  setPreviewed(null);
                },
              },
            ),
          )}
        >
          <Group align="flex-start" gap="xs">
            <Select
              aria-label="Bind to"
              data={[
                { value: 'group', label: 'Group' },
                { value: 'user', label: 'Person' },
              ]}
              allowDeselect={false}
              w={120}
              {...form.getInputProps('subjectType')}
            />
            <TextInput
              aria-label="Group or person ID"
              placeholder="Group ID from SCIM, e.g. 3f1c…"
              style={{ flex: 1 }}
              {...form.getInputProps('subjectId')}
            />
            <Button
              variant="subtle"
              leftSection={<IconEye size={16} aria-hidden />}
              onClick={() => {
                if (form.validate().hasErrors) return;
                const { subjectType, subjectId } = form.getValues();
                setPreviewed({ subjectType, subjectId: subjectId.trim() });
              }}
            >
              Preview
            </Button>
            <Button type="submit" variant="default" loading={bindRole.isPending}>
              Bind
            </Button>
          </Group>
        </form>
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
