import { Badge, Button, Group, Stack, Text } from '@mantine/core';
import { IconLogout } from '@tabler/icons-react';
import { useSignOut } from '../hooks/use-sign-out';
import { useViewer } from '../hooks/use-viewer';

// Admin roles as the API names them (owner, admin, auditor, billing).
const ROLE_LABELS: Record<string, string> = {
  owner: 'Owner',
  admin: 'Admin',
  auditor: 'Auditor (read-only)',
  billing: 'Billing',
};

export function SignedInAdmin() {
  const viewer = useViewer();
  const signOut = useSignOut();

  return (
    <Group gap="sm" wrap="nowrap">
      <Stack gap={0} align="flex-end" visibleFrom="sm">
        <Group gap={6} wrap="nowrap">
          <Text size="sm" fw={500} data-testid="viewer-name">
            {viewer.name ?? viewer.email}
          </Text>
          <Badge size="xs" variant="light">
            {ROLE_LABELS[viewer.role] ?? viewer.role}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed" data-testid="viewer-organization">
          {viewer.organization.name}
          {viewer.name ? ` · ${viewer.email}` : ''}
        </Text>
      </Stack>
      <Button
        variant="default"
        size="xs"
        leftSection={<IconLogout size={14} aria-hidden />}
        loading={signOut.isPending}
        onClick={() => signOut.mutate()}
      >
        Sign out
      </Button>
      {signOut.isError && (
        <Text size="xs" c="red" role="alert">
          Sign out failed — try again.
        </Text>
      )}
    </Group>
  );
}
