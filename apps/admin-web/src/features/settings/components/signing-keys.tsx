import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { ApiError } from '../../../components/ui/api-error';
import { confirmDestructive, DestructiveButton } from '../../../components/ui/confirm';
import { actionsColumn, DataTable } from '../../../components/ui/data-table';
import { formatDateTime } from '../../../lib/format';
import type { SigningKey } from '../graphql/settings';
import { useRevokeSigningKey, useRotateSigningKey, useSigningKeys } from '../hooks/use-settings';

function SigningKeysTable({
  keys,
  editable,
  onRevoke,
}: {
  keys: readonly SigningKey[];
  editable: boolean;
  onRevoke: (keyId: string) => void;
}) {
  return (
    <DataTable<SigningKey>
      label="signing keys"
      records={keys}
      idAccessor="keyId"
      initialSort={{ columnAccessor: 'createdAt', direction: 'desc' }}
      emptyText="No signing key yet: one is made at the first publish"
      pageSize={5}
      columns={[
        {
          accessor: 'keyId',
          title: 'Key',
          render: (k) => (
            <Text size="sm" ff="monospace">
              {k.keyId}
            </Text>
          ),
        },
        {
          accessor: 'status',
          sortable: true,
          render: (k) => (
            <Badge variant="light" color={k.status === 'active' ? 'green' : 'gray'}>
              {k.status}
            </Badge>
          ),
        },
        {
          accessor: 'createdAt',
          title: 'Created',
          sortable: true,
          render: (k) => formatDateTime(k.createdAt),
        },
        { accessor: 'notAfter', title: 'Retires', render: (k) => formatDateTime(k.notAfter) },
        actionsColumn((k) =>
          editable && !k.revokedAt ? (
            <DestructiveButton
              size="compact-xs"
              title={`Revoke key ${k.keyId}?`}
              message="For a compromised key: endpoints stop trusting it for good, and bundles are re-signed with the next key."
              confirmLabel="Revoke key"
              onConfirm={() => onRevoke(k.keyId)}
            >
              Revoke
            </DestructiveButton>
          ) : null,
        ),
      ]}
    />
  );
}

export function SigningKeys({ editable }: { editable: boolean }) {
  const keys = useSigningKeys();
  const rotate = useRotateSigningKey();
  const revoke = useRevokeSigningKey();
  return (
    <Stack gap="sm">
      {editable && (
        <Group>
          <Button
            variant="default"
            size="xs"
            loading={rotate.isPending}
            onClick={() =>
              confirmDestructive({
                title: 'Rotate the signing key?',
                message:
                  'A new key is announced to endpoints by the current one, which retires after a grace period.',
                confirmLabel: 'Rotate',
                onConfirm: () => rotate.mutate({ graceHours: null }),
              })
            }
          >
            Rotate key
          </Button>
        </Group>
      )}
      <ApiError error={keys.error ?? rotate.error ?? revoke.error} />
      <SigningKeysTable
        keys={keys.data ?? []}
        editable={editable}
        onRevoke={(keyId) => revoke.mutate({ keyId })}
      />
    </Stack>
  );
}
