import {
  Badge,
  Button,
  Code,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import { RemoveButton } from '../../../components/ui/confirm';
import { HeadedTable } from '../../../components/ui/headed-table';
import type { AdminRoleMapping } from '../graphql/settings';
import {
  useAdminRoleMappings,
  useRemoveAdminRoleMapping,
  useSetAdminRoleMapping,
} from '../hooks/use-settings';

type AdminRole = 'owner' | 'admin' | 'auditor' | 'billing';

const ROLES: { value: AdminRole; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'admin', label: 'Admin' },
  { value: 'auditor', label: 'Auditor (read-only)' },
  { value: 'billing', label: 'Billing' },
];

interface RoleMappingInput {
  idpGroup: string;
  role: AdminRole;
}

function MapGroupForm({
  saving,
  onSave,
}: {
  saving: boolean;
  // Saves; `done` clears the form once the API has the mapping.
  onSave: (mapping: RoleMappingInput, done: () => void) => void;
}) {
  const form = useForm({
    initialValues: { idpGroup: '', role: 'admin' as AdminRole },
    validate: {
      idpGroup: (value) =>
        !value.trim()
          ? 'The group name exactly as the IdP sends it'
          : value.trim().length > 512
            ? 'At most 512 characters'
            : null,
    },
    validateInputOnChange: ['idpGroup'],
  });
  return (
    <form
      noValidate
      aria-label="Map an IdP group"
      onSubmit={form.onSubmit((values) =>
        onSave({ idpGroup: values.idpGroup.trim(), role: values.role }, () => form.reset()),
      )}
    >
      <Group align="flex-start" gap="xs">
        <TextInput
          aria-label="IdP group"
          placeholder="steward-admins"
          style={{ flex: 1 }}
          {...form.getInputProps('idpGroup')}
        />
        <Select
          aria-label="Admin role"
          data={ROLES}
          allowDeselect={false}
          w={200}
          {...form.getInputProps('role')}
        />
        <Button type="submit" loading={saving}>
          Map group
        </Button>
      </Group>
    </form>
  );
}

function RoleMappingsTable({
  mappings,
  editable,
  onSave,
  onRemove,
}: {
  mappings: readonly AdminRoleMapping[];
  editable: boolean;
  onSave: (mapping: RoleMappingInput) => void;
  onRemove: (idpGroup: string) => void;
}) {
  return (
    <HeadedTable
      label="Admin role mapping"
      head={['IdP group', 'Signs in as', editable && <VisuallyHidden>Actions</VisuallyHidden>]}
    >
      {mappings.map((mapping) => (
        <Table.Tr key={mapping.id}>
          <Table.Td>
            <Code>{mapping.idpGroup}</Code>
          </Table.Td>
          <Table.Td>
            {editable ? (
              <Select
                aria-label={`Role for ${mapping.idpGroup}`}
                data={ROLES}
                allowDeselect={false}
                w={200}
                size="xs"
                value={mapping.role}
                onChange={(role) =>
                  role && onSave({ idpGroup: mapping.idpGroup, role: role as AdminRole })
                }
              />
            ) : (
              <Badge variant="light">{mapping.role}</Badge>
            )}
          </Table.Td>
          {editable && (
            <Table.Td>
              <RemoveButton
                label={`Remove the mapping for ${mapping.idpGroup}`}
                title={`Remove the mapping for ${mapping.idpGroup}?`}
                message="Members of this group no longer get this role when they next sign in."
                confirmLabel="Remove mapping"
                onConfirm={() => onRemove(mapping.idpGroup)}
              />
            </Table.Td>
          )}
        </Table.Tr>
      ))}
    </HeadedTable>
  );
}

// IdP groups (from the SAML groups attribute) to console roles; the highest mapped role wins.
export function AdminRoleMappings({ editable }: { editable: boolean }) {
  const mappings = useAdminRoleMappings(true);
  const save = useSetAdminRoleMapping();
  const remove = useRemoveAdminRoleMapping();

  return (
    <Stack gap="sm">
      {editable && (
        <MapGroupForm
          saving={save.isPending}
          onSave={(mapping, done) => save.mutate(mapping, { onSuccess: done })}
        />
      )}
      <ApiError error={save.error ?? remove.error ?? mappings.error} />
      {mappings.data?.length ? (
        <RoleMappingsTable
          mappings={mappings.data}
          editable={editable}
          onSave={(mapping) => save.mutate(mapping)}
          onRemove={(idpGroup) => remove.mutate({ idpGroup })}
        />
      ) : (
        <Text size="sm" c="dimmed">
          No identity-provider group is mapped to an admin role yet
          {editable ? ': map one above so your admins can sign in by SAML.' : '.'}
        </Text>
      )}
    </Stack>
  );
}
