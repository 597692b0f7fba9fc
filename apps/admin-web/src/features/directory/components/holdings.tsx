import { Badge, Group, Progress, Table, Text } from '@mantine/core';
import { HeadedTable } from '../../../components/ui/headed-table';
import { TextLink } from '../../../components/ui/links';
import { formatRelative, formatUsd } from '../../../lib/format';
import { useRoles } from '../../governance/hooks/use-roles';
import { useSpendBudgets } from '../../spend/hooks/use-spend-limits';

interface Subject {
  // The person's id, or the group's.
  id: string;
  // A person's groups (a group's own page passes none).
  groups: readonly { id: string; displayName: string }[];
}

// The roles a person or group holds and where each comes from: a binding to them, or to a group
// they are in.
export function RolesHeld({ subject }: { subject: Subject }) {
  const roles = useRoles();
  const groupNames = new Map(subject.groups.map((group) => [group.id, group.displayName]));
  const held = roles.flatMap((role) =>
    role.bindings
      .filter((b) => b.subjectId === subject.id || groupNames.has(b.subjectId))
      .map((binding) => ({ role, binding })),
  );
  if (!held.length) {
    return (
      <Text size="sm" c="dimmed">
        No role reaches them, so their agent may do nothing. Bind a role on the{' '}
        <TextLink to="/roles">Roles</TextLink> screen.
      </Text>
    );
  }
  return (
    <HeadedTable label="roles held" head={['Role', 'Comes from']}>
      {held.map(({ role, binding }) => (
        <Table.Tr key={binding.id}>
          <Table.Td>
            <TextLink to="/roles" size="sm">
              {role.name}
            </TextLink>
          </Table.Td>
          <Table.Td>
            {binding.subjectId === subject.id ? (
              'bound directly'
            ) : (
              <>
                group{' '}
                <TextLink to="/groups/$groupId" params={{ groupId: binding.subjectId }} size="sm">
                  {groupNames.get(binding.subjectId)}
                </TextLink>
              </>
            )}
          </Table.Td>
        </Table.Tr>
      ))}
    </HeadedTable>
  );
}

// This period of every spend limit on the person or group (and, for a person, their groups).
export function SpendHeld({ subject }: { subject: Subject }) {
  const budgets = useSpendBudgets();
  const groupNames = new Map(subject.groups.map((group) => [group.id, group.displayName]));
  const mine = budgets.filter((b) => b.subjectId === subject.id || groupNames.has(b.subjectId));
  if (!mine.length) {
    return (
      <Text size="sm" c="dimmed">
        No spend limit applies. Add one on the <TextLink to="/spend">Spend</TextLink> screen.
      </Text>
    );
  }
  return (
    <HeadedTable label="spend limits" head={['Limit', 'This period', 'Resets']}>
      {mine.map((b) => {
        const spent = Number(b.spentUsd);
        const limit = Number(b.limitUsd);
        return (
          <Table.Tr key={b.limitId}>
            <Table.Td>
              <Group gap={6}>
                {formatUsd(b.limitUsd)} per {b.period}
                <Badge variant="light" size="sm">
                  {b.subjectId === subject.id ? 'own' : `team ${groupNames.get(b.subjectId)}`}
                </Badge>
              </Group>
            </Table.Td>
            <Table.Td miw={200}>
              <Progress
                value={limit ? Math.min(100, (spent / limit) * 100) : 0}
                aria-label={`${formatUsd(spent)} of ${formatUsd(limit)} spent`}
              />
              <Text size="xs">
                {formatUsd(spent)} of {formatUsd(limit)}
              </Text>
            </Table.Td>
            <Table.Td>{formatRelative(b.resetsAt)}</Table.Td>
          </Table.Tr>
        );
      })}
    </HeadedTable>
  );
}
