import { Badge, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { DataTable } from '../../../components/ui/data-table';
import { SecretOnce } from '../../../components/ui/secret-once';
import { formatDateTime, formatRelative } from '../../../lib/format';
import type { MachineCredential } from '../graphql/settings';
import {
  useCreateMachineCredential,
  useMachineCredentials,
  useRevokeMachineCredential,
} from '../hooks/use-settings';
import { RemoveButton } from '../../../components/ui/confirm';

const TYPES = [
  { value: 'scim', label: 'SCIM token' },
  { value: 'analytics', label: 'Analytics API key' },
  { value: 'enrolment', label: 'Enrolment token' },
];

// SCIM tokens, Analytics API keys and enrolment tokens; endpoint credentials show for revocation.
export function MachineCredentials({ editable }: { editable: boolean }) {
  const credentials = useMachineCredentials();
  const create = useCreateMachineCredential();
  const revoke = useRevokeMachineCredential();
  const [secret, setSecret] = useState<string | null>(null);
  const form = useForm({
    initialValues: { type: 'scim' as 'scim' | 'analytics' | 'enrolment', name: '' },
    validate: { name: (value) => (value.trim() ? null : 'Name it after where it is used') },
    validateInputOnChange: ['name'],
  });

  return (
    <Stack gap="sm">
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {editable && (
        <form
          noValidate
          aria-label="Create credential"
          onSubmit={form.onSubmit((values) =>
            create.mutate(
              { input: { type: values.type, name: values.name.trim() } },
              {
                onSuccess: (data) => {
                  setSecret(data.createMachineCredential.secret);
                  form.reset();
                },
              },
            ),
          )}
        >
          <Group align="flex-start" gap="xs">
            <Select
              aria-label="Credential type"
              data={TYPES}
              allowDeselect={false}
              w={190}
              {...form.getInputProps('type')}
            />
            <TextInput
              aria-label="Credential name"
              placeholder="Okta provisioning"
              style={{ flex: 1 }}
              {...form.getInputProps('name')}
            />
            <Button type="submit" loading={create.isPending}>
              Create
            </Button>
          </Group>
        </form>
      )}
      <ApiError error={create.error ?? revoke.error ?? credentials.error} />
      <DataTable<MachineCredential>
        label="credentials"
        records={credentials.data ?? []}
        idAccessor="id"
        initialSort={{ columnAccessor: 'createdAt', direction: 'desc' }}
        searchText={(c) => `${c.name} ${c.type} ${c.hint}`}
        emptyText="No credentials yet: create a SCIM token for your identity provider first"
        pageSize={8}
        columns={[
          { accessor: 'name', sortable: true },
          {
            accessor: 'type',
            sortable: true,
            render: (c) => <Badge variant="light">{c.type}</Badge>,
          },
          {
            accessor: 'hint',
            title: 'Ends in',
            render: (c) => (
              <Text size="sm" ff="monospace">
                …{c.hint}
              </Text>
            ),
          },
          {
            accessor: 'createdAt',
            title: 'Created',
            sortable: true,
            render: (c) => formatDateTime(c.createdAt),
          },
          {
            accessor: 'lastUsedAt',
            title: 'Last used',
            sortable: true,
            render: (c) => formatRelative(c.lastUsedAt),
          },
          {
            accessor: 'revokedAt',
            title: 'State',
            render: (c) =>
              c.revokedAt ? (
                <Badge color="gray">revoked</Badge>
              ) : editable ? (
                <RemoveButton
                  label={`Revoke ${c.name}`}
                  title={`Revoke ${c.name}?`}
                  message="Anything using it is refused from now on. This cannot be undone."
                  confirmLabel="Revoke"
                  onConfirm={() => revoke.mutate({ id: c.id })}
                />
              ) : (
                <Badge color="green">active</Badge>
              ),
          },
        ]}
      />
    </Stack>
  );
}
