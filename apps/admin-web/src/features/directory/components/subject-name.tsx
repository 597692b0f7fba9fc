import { Group, Text } from '@mantine/core';
import { TextLink } from '../../../components/ui/links';
import type { SubjectName } from '../directory-names';

// A person or a group by name, linked to its page; the id only when the directory no longer has it.
// `detail`: the second line of who it is (user name, member count), left out in narrow columns.
export function SubjectLabel({
  kind,
  id,
  name,
  loading = false,
  detail = true,
}: {
  kind: 'group' | 'user' | string;
  id: string;
  name: SubjectName | undefined;
  loading?: boolean;
  detail?: boolean;
}) {
  if (!name && loading) return <Text size="sm">…</Text>;
  if (!name) {
    return (
      <Text size="sm" c="dimmed">
        {kind === 'group' ? 'Deleted group' : 'Deleted person'} ({id.slice(0, 8)})
      </Text>
    );
  }
  return (
    <Group gap={6} wrap="nowrap">
      {kind === 'group' ? (
        <TextLink to="/groups/$groupId" params={{ groupId: id }} size="sm">
          {name.name}
        </TextLink>
      ) : (
        <TextLink to="/people/$personId" params={{ personId: id }} size="sm">
          {name.name}
        </TextLink>
      )}
      {detail && (
        <Text size="xs" c="dimmed">
          {name.detail}
        </Text>
      )}
    </Group>
  );
}
