import { Group, Loader, Select, Text, type SelectProps } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { directoryGroupsOptions, directoryUsersOptions } from '../directory-queries';

export type SubjectKind = 'group' | 'user';

export interface PickedSubject {
  id: string;
  name: string;
  detail: string;
}

interface SubjectPickerProps {
  kind: SubjectKind;
  value: PickedSubject | null;
  onChange: (subject: PickedSubject | null) => void;
  label: string;
  error?: string | null;
  withLabel?: boolean;
  w?: SelectProps['w'];
}

// Search-as-you-type over the directory (server-side, a directory can hold tens of thousands of
// people): the admin types a name or an email and picks; nobody copies an id.
export function SubjectPicker({
  kind,
  value,
  onChange,
  label,
  error,
  withLabel = false,
  w,
}: SubjectPickerProps) {
  const [typed, setTyped] = useState('');
  const [search] = useDebouncedValue(typed === value?.name ? '' : typed.trim(), 200);
  const people = useQuery({ ...directoryUsersOptions(search, 1), enabled: kind === 'user' });
  const groups = useQuery({ ...directoryGroupsOptions(search, 1), enabled: kind === 'group' });
  const found: PickedSubject[] =
    kind === 'user'
      ? (people.data?.items ?? []).map((person) => ({
          id: person.id,
          name: person.displayName ?? person.userName,
          detail: person.emails[0] ?? person.userName,
        }))
      : (groups.data?.items ?? []).map((group) => ({
          id: group.id,
          name: group.displayName,
          detail: `${group.memberCount} ${group.memberCount === 1 ? 'member' : 'members'}`,
        }));
  const options = value && !found.some((s) => s.id === value.id) ? [value, ...found] : found;
  const byId = new Map(options.map((subject) => [subject.id, subject]));
  const fetching = kind === 'user' ? people.isFetching : groups.isFetching;

  return (
    <Select
      {...(withLabel ? { label } : { 'aria-label': label })}
      placeholder={kind === 'user' ? 'Type a name or an email' : 'Type a group name'}
      searchable
      clearable
      w={w}
      searchValue={typed}
      onSearchChange={setTyped}
      // The server has already searched; Mantine's own filter would hide people found by email.
      filter={({ options: all }) => all}
      data={options.map((subject) => ({ value: subject.id, label: subject.name }))}
      value={value?.id ?? null}
      onChange={(id) => onChange(id ? (byId.get(id) ?? null) : null)}
      renderOption={({ option }) => (
        <Group gap="xs" wrap="nowrap">
          <Text size="sm">{option.label}</Text>
          <Text size="xs" c="dimmed">
            {byId.get(option.value)?.detail}
          </Text>
        </Group>
      )}
      nothingFoundMessage={
        fetching ? 'Searching…' : kind === 'user' ? 'Nobody matches' : 'No group matches'
      }
      rightSection={fetching ? <Loader size={14} aria-hidden /> : undefined}
      error={error}
      maxDropdownHeight={280}
    />
  );
}
