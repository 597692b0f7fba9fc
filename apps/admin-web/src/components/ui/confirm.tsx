import { ActionIcon, Button, Text, type ButtonSize } from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconTrash } from '@tabler/icons-react';
import type { ReactNode } from 'react';

interface ConfirmOptions {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => void;
}

// Destructive actions always ask first; the red button names what will happen.
export function confirmDestructive({ title, message, confirmLabel, onConfirm }: ConfirmOptions) {
  modals.openConfirmModal({
    title,
    children: <Text size="sm">{message}</Text>,
    labels: { confirm: confirmLabel, cancel: 'Cancel' },
    confirmProps: { color: 'red' },
    onConfirm,
  });
}

// The red bin of a table row: it names its row for screen readers and asks before it acts.
export function RemoveButton({ label, ...confirm }: ConfirmOptions & { label: string }) {
  return (
    <ActionIcon
      variant="subtle"
      color="red"
      aria-label={label}
      onClick={() => confirmDestructive(confirm)}
    >
      <IconTrash size={16} aria-hidden />
    </ActionIcon>
  );
}

// A red text button for a destructive action (delete, revoke, stop): it asks before it acts.
export function DestructiveButton({
  children,
  variant = 'subtle',
  size,
  loading,
  ...confirm
}: ConfirmOptions & {
  children: ReactNode;
  variant?: 'subtle' | 'light';
  size?: ButtonSize;
  loading?: boolean;
}) {
  return (
    <Button
      variant={variant}
      color="red"
      size={size}
      loading={loading}
      onClick={() => confirmDestructive(confirm)}
    >
      {children}
    </Button>
  );
}
