import { ActionIcon } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';

// The bin beside one row of a form's list (a folder, a header). Nothing is saved until the form
// is, so unlike a table row's RemoveButton it does not ask first.
export function RemoveFormRowButton({ label, onRemove }: { label: string; onRemove: () => void }) {
  return (
    <ActionIcon variant="subtle" color="red" size="lg" aria-label={label} onClick={onRemove}>
      <IconTrash size={16} aria-hidden />
    </ActionIcon>
  );
}
