import { Badge, Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { RemoveButton } from '../../../components/ui/confirm';
import { DataTable } from '../../../components/ui/data-table';
import { SecretOnce } from '../../../components/ui/secret-once';
import { formatDateTime, formatRelative } from '../../../lib/format';
import type { MachineCredential } from '../graphql/settings';
import {
  useCreateMachineCredential,
  useMachineCredentials,
  useRevokeMachineCredential,
} from '../hooks/use-settings';

const TYPES = [
  { value: 'scim', label: 'SCIM token' },
  { value: 'analytics', label: 'Analytics API key' },
  { value: 'enrolment', label: 'Enrolment token' },
];

type CreatedType = 'scim' | 'analytics' | 'enrolment';

interface NewCredential {
  type: CreatedType;
  name: string;
}

function CreateCredentialForm({
  only,
  creating,
  onCreate,
}: {
  only?: CreatedType;
  creating: boolean;
  // Creates; `done` clears the form once the API has issued the secret.
  onCreate: (credential: NewCredential, done: () => void) => void;
}) {
  const form = useForm({
    initialValues: { type: only ?? ('scim' as CreatedType), name: '' },
    validate: { name: (value) => (value.trim() ? null : 'Name it after where it is used') },
    validateInputOnChange: ['name'],
  });
  return (
    <form
      noValidate
      aria-label="Create credential"
      onSubmit={form.onSubmit((values) =>
        onCreate({ type: values.type, name: values.name.trim() }, () => form.reset()),
      )}
    >
      <Group align="flex-start" gap="xs">
        {!only && (
          <Select
            aria-label="Credential type"
            data={TYPES}
            allowDeselect={false}
            w={190}
            {...form.getInputProps('type')}
          />
        )}
        <TextInput
          aria-label="Credential name"
          placeholder="Okta provisioning"
          style={{ flex: 1 }}
          {...form.getInputProps('name')}
        />
        <Button type="submit" loading={creating}>
          Create
        </Button>
      </Group>
    </form>
  );
}

function CredentialsTable({
  credentials,
  editable,
  onRevoke,
}: {
  credentials: readonly MachineCredential[];
  editable: boolean;
  onRevoke: (id: string) => void;
}) {
  return (
    <DataTable<MachineCredential>
      label="credentials"
      records={credentials}
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
          title: 'Starts with',
          render: (c) => (
            <Text size="sm" ff="monospace">
              {c.hint}…
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
                onConfirm={() => onRevoke(c.id)}
              />
            ) : (
              <Badge color="green">active</Badge>
            ),
        },
      ]}
    />
  );
}

// SCIM tokens, Analytics API keys and enrolment tokens; endpoint credentials show for revocation.
// With `only`, one kind (the Provisioning screen's SCIM tokens).
export function MachineCredentials({ editable, only }: { editable: boolean; only?: CreatedType }) {
  const credentials = useMachineCredentials();
  const create = useCreateMachineCredential();
  const revoke = useRevokeMachineCredential();
  const [secret, setSecret] = useState<string | null>(null);
  const shown = only ? credentials.data?.filter((c) => c.type === only) : credentials.data;

  return (
    <Stack gap="sm">
      {secret && <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {editable && (
        <CreateCredentialForm
          only={only}
          creating={create.isPending}
          onCreate={(input, done) =>
            create.mutate(
              { input },
              {
                onSuccess: (data) => {
                  setSecret(data.createMachineCredential.secret);
                  done();
                },
              },
            )
          }
        />
      )}
      <ApiError error={create.error ?? revoke.error ?? credentials.error} />
      <CredentialsTable
        credentials={shown ?? []}
        editable={editable}
        onRevoke={(id) => revoke.mutate({ id })}
      />
    </Stack>
  );
}
