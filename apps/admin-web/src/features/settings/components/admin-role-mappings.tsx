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
import {
  useAdminRoleMappings,
  useRemoveAdminRoleMapping,
  useSetAdminRoleMapping,
} from '../hooks/use-settings';
import { RemoveButton } from '../../../components/ui/confirm';

type AdminRole = 'owner' | 'admin' | 'auditor' | 'billing';

const ROLES: { value: AdminRole; label: string }[] = [
  { value: 'owner', label: 'Owner' },
  { value: 'admin', label: 'Admin' },
  { value: 'auditor', label: 'Auditor (read-only)' },
  { value: 'billing', label: 'Billing' },
];

// IdP groups (from the SAML groups attribute) to console roles; the highest mapped role wins.
export function AdminRoleMappings({ editable }: { editable: boolean }) {
  const mappings = useAdminRoleMappings(true);
  const save = useSetAdminRoleMapping();
  const remove = useRemoveAdminRoleMapping();
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
    <Stack gap="sm">
      {editable && (
        <form
          noValidate
          aria-label="Map an IdP group"
          onSubmit={form.onSubmit((values) =>
            save.mutate(
              { idpGroup: values.idpGroup.trim(), role: values.role },
              { onSuccess: () => form.reset() },
            ),
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
            <Button type="submit" loading={save.isPending}>
              Map group
            </Button>
          </Group>
        </form>
      )}
      <ApiError error={save.error ?? remove.error ?? mappings.error} />
      {mappings.data?.length ? (
        <Table aria-label="Admin role mapping" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>IdP group</Table.Th>
              <Table.Th>Signs in as</Table.Th>
              {editable && (
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {mappings.data.map((mapping) => (
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
                        role && save.mutate({ idpGroup: mapping.idpGroup, role: role as AdminRole })
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
                      onConfirm={() => remove.mutate({ idpGroup: mapping.idpGroup })}
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No identity-provider group is mapped to an admin role yet
          {editable ? ': map one above so your admins can sign in by SAML.' : '.'}
        </Text>
      )}
    </Stack>
  );
}
