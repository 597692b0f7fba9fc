import { Group, MultiSelect, Select, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import { FormRowSubmit } from '../../../components/ui/form-row-submit';
import { OS_OPTIONS } from '../../governance/components/folder-roots-editor';
import { useAddCeilingEntry } from '../hooks/use-governance-settings';

export function CeilingForm() {
  const add = useAddCeilingEntry();
  const form = useForm({
    initialValues: {
      pattern: '',
      scope: 'subtree' as 'subtree' | 'root',
      os: [] as ('macos' | 'windows' | 'linux')[],
      description: '',
    },
    validate: {
      pattern: (value) => (value.trim() ? null : 'Enter a folder, e.g. ~/.ssh'),
    },
    validateInputOnChange: ['pattern'],
  });
  return (
    <form
      noValidate
      aria-label="Add to the ceiling"
      onSubmit={form.onSubmit((values) =>
        add.mutate(
          { input: { ...values, pattern: values.pattern.trim() } },
          { onSuccess: () => form.reset() },
        ),
      )}
    >
      <Group align="flex-start" gap="xs">
        <TextInput
          label="Folder"
          placeholder="~/.ssh"
          style={{ flex: 2 }}
          {...form.getInputProps('pattern')}
        />
        <Select
          label="Covers"
          data={[
            { value: 'subtree', label: 'Folder and everything in it' },
            { value: 'root', label: 'The folder itself' },
          ]}
          allowDeselect={false}
          style={{ flex: 1 }}
          {...form.getInputProps('scope')}
        />
        <MultiSelect
          label="Systems"
          placeholder="All"
          data={OS_OPTIONS}
          style={{ flex: 1 }}
          {...form.getInputProps('os')}
        />
        <TextInput label="Why" style={{ flex: 2 }} {...form.getInputProps('description')} />
        <FormRowSubmit loading={add.isPending}>Add</FormRowSubmit>
      </Group>
      <ApiError error={add.error} />
    </form>
  );
}
