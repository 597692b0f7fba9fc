import { Badge, Group, Select, Text } from '@mantine/core';
import { DataTable } from '../../../components/ui/data-table';
import type { Connector, ConnectorTool } from '../graphql/connectors';
import { useSetConnectorToolKind } from '../hooks/use-connectors';

const STATUS_COLORS: Record<string, string> = {
  approved: 'green',
  new: 'yellow',
  changed: 'orange',
};

type ToolKind = 'read' | 'write';

function ToolName({ tool }: { tool: ConnectorTool }) {
  return (
    <div>
      <Text size="sm" fw={500} ff="monospace">
        {tool.name}
      </Text>
      <Text size="xs" c="dimmed" lineClamp={2}>
        {tool.description}
      </Text>
    </div>
  );
}

// Read or write as the annotations say, unless an admin overrides it.
function ToolClassSelect({
  tool,
  onChange,
}: {
  tool: ConnectorTool;
  onChange: (kind: ToolKind | null) => void;
}) {
  return (
    <Select
      aria-label={`${tool.name} class`}
      size="xs"
      w={170}
      allowDeselect={false}
      value={tool.kindOverride ?? 'auto'}
      data={[
        { value: 'auto', label: `From annotations (${tool.kind})` },
        { value: 'read', label: 'Read' },
        { value: 'write', label: 'Write' },
      ]}
      onChange={(value) => onChange(value === 'auto' ? null : (value as ToolKind))}
    />
  );
}

function ToolAnnotations({ tool }: { tool: ConnectorTool }) {
  return (
    <Group gap={4}>
      {tool.readOnlyHint === true && <Badge variant="outline">readOnly</Badge>}
      {tool.destructiveHint === true && (
        <Badge variant="outline" color="red">
          destructive
        </Badge>
      )}
      {tool.readOnlyHint == null && tool.destructiveHint == null && (
        <Text size="xs" c="dimmed">
          none (treated as write)
        </Text>
      )}
    </Group>
  );
}

export function ToolCatalogue({
  connector,
  readOnly,
}: {
  connector: Connector;
  readOnly: boolean;
}) {
  const setKind = useSetConnectorToolKind();
  return (
    <DataTable<ConnectorTool>
      label={`${connector.name} tools`}
      records={connector.tools}
      idAccessor="name"
      initialSort={{ columnAccessor: 'name', direction: 'asc' }}
      searchText={(tool) => `${tool.name} ${tool.description}`}
      emptyText="No tools imported yet: import the catalogue below"
      columns={[
        {
          accessor: 'name',
          title: 'Tool',
          sortable: true,
          render: (tool) => <ToolName tool={tool} />,
        },
        {
          accessor: 'kind',
          title: 'Class',
          sortable: true,
          render: (tool) =>
            readOnly ? (
              <Badge color={tool.kind === 'write' ? 'orange' : 'blue'} variant="light">
                {tool.kind}
              </Badge>
            ) : (
              <ToolClassSelect
                tool={tool}
                onChange={(kind) => setKind.mutate({ id: connector.id, tool: tool.name, kind })}
              />
            ),
        },
        {
          accessor: 'readOnlyHint',
          title: 'Annotations',
          render: (tool) => <ToolAnnotations tool={tool} />,
        },
        {
          accessor: 'status',
          title: 'Review',
          sortable: true,
          render: (tool) => (
            <Badge color={STATUS_COLORS[tool.status] ?? 'gray'} variant="light">
              {tool.status}
            </Badge>
          ),
        },
      ]}
    />
  );
}
