import { Button, Group, MultiSelect, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { RemoveFormRowButton } from '../../../components/ui/form-row-remove';
import { useRoleFormContext } from './role-form';

export const OS_OPTIONS = [
  { value: 'macos', label: 'macOS' },
  { value: 'windows', label: 'Windows' },
  { value: 'linux', label: 'Linux' },
];

// Folders the agent may work in for this role; always inside the organization's ceiling.
export function FolderRootsEditor({ readOnly }: { readOnly: boolean }) {
  const form = useRoleFormContext();
  const roots = form.getValues().folderRoots;
  return (
    <Stack gap="xs">
      {!roots.length && (
        <Text size="sm" c="dimmed">
          No folders: the agent may not read or write files for this role.
        </Text>
      )}
      {roots.map((_, index) => (
        <Group key={form.key(`folderRoots.${index}`)} align="flex-start" gap="xs" wrap="nowrap">
          <TextInput
            aria-label={`Folder ${index + 1}`}
            placeholder="~/Projects"
            disabled={readOnly}
            style={{ flex: 1 }}
            {...form.getInputProps(`folderRoots.${index}.pattern`)}
          />
          <Select
            aria-label={`Folder ${index + 1} access`}
            data={[
              { value: 'read', label: 'Read' },
              { value: 'read_write', label: 'Read and write' },
            ]}
            allowDeselect={false}
            disabled={readOnly}
            w={150}
            {...form.getInputProps(`folderRoots.${index}.access`)}
          />
          <MultiSelect
            aria-label={`Folder ${index + 1} systems`}
            placeholder="All systems"
            data={OS_OPTIONS}
            disabled={readOnly}
            w={200}
            {...form.getInputProps(`folderRoots.${index}.os`)}
          />
          {!readOnly && (
            <RemoveFormRowButton
              label={`Remove folder ${index + 1}`}
              onRemove={() => form.removeListItem('folderRoots', index)}
            />
          )}
        </Group>
      ))}
      {!readOnly && (
        <Button
          variant="default"
          size="xs"
          leftSection={<IconPlus size={14} aria-hidden />}
          w="fit-content"
          onClick={() =>
            form.insertListItem('folderRoots', { pattern: '', access: 'read', os: [] })
          }
        >
          Add folder
        </Button>
      )}
    </Stack>
  );
}
