import { Badge, Switch, Text } from '@mantine/core';
import { RemoveButton } from '../../../components/ui/confirm';
import { DataTable } from '../../../components/ui/data-table';
import type { CeilingEntry } from '../graphql/folders';
import {
  useGovernanceSettings,
  useRemoveCeilingEntry,
  useSetCeilingDefaultEnabled,
} from '../hooks/use-governance-settings';

// Built-in entries can be switched off but not removed; the organization's own can be removed.
function InForce({ entry, editable }: { entry: CeilingEntry; editable: boolean }) {
  const remove = useRemoveCeilingEntry();
  const toggle = useSetCeilingDefaultEnabled();
  if (entry.builtIn) {
    return (
      <Switch
        aria-label={`${entry.pattern} in force`}
        checked={entry.enabled}
        disabled={!editable}
        onChange={(event) => toggle.mutate({ id: entry.id, enabled: event.currentTarget.checked })}
      />
    );
  }
  if (!editable) return 'yes';
  return (
    <RemoveButton
      label={`Remove ${entry.pattern}`}
      title={`Remove ${entry.pattern} from the ceiling?`}
      message="Roles that open this folder will reach it again."
      confirmLabel="Remove"
      onConfirm={() => remove.mutate({ id: entry.id })}
    />
  );
}

export function CeilingTable({ editable }: { editable: boolean }) {
  const settings = useGovernanceSettings();
  return (
    <DataTable<CeilingEntry>
      label="ceiling entries"
      records={settings.ceiling}
      idAccessor="id"
      initialSort={{ columnAccessor: 'pattern', direction: 'asc' }}
      searchText={(entry) => `${entry.pattern} ${entry.description}`}
      emptyText="No ceiling entries"
      pageSize={10}
      columns={[
        {
          accessor: 'pattern',
          title: 'Folder',
          sortable: true,
          render: (entry) => (
            <Text size="sm" ff="monospace">
              {entry.pattern}
            </Text>
          ),
        },
        { accessor: 'scope', title: 'Covers', sortable: true },
        {
          accessor: 'os',
          title: 'Systems',
          render: (entry) => (entry.os.length ? entry.os.join(', ') : 'all'),
        },
        { accessor: 'description', title: 'Why' },
        {
          accessor: 'builtIn',
          title: 'Source',
          sortable: true,
          render: (entry) => (
            <Badge variant="light" color={entry.builtIn ? 'gray' : 'blue'}>
              {entry.builtIn ? 'built-in' : 'yours'}
            </Badge>
          ),
        },
        {
          accessor: 'enabled',
          title: 'In force',
          render: (entry) => <InForce entry={entry} editable={editable} />,
        },
      ]}
    />
  );
}
