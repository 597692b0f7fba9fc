import { ActionIcon, Badge, Text, Tooltip } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import { confirmDestructive } from '../../../components/ui/confirm';
import { actionsColumn, DataTable } from '../../../components/ui/data-table';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { SubjectLabel } from '../../directory/components/subject-name';
import { useDirectoryNames } from '../../directory/directory-names';
import type { EndpointView } from '../graphql/endpoints';
import { useRevokeEndpoint } from '../hooks/use-endpoints';

// The agents the endpoint governs besides its own runtime (Claude Code): version, what settings it
// last applied and when.
function governedAgents(endpoint: EndpointView) {
  if (endpoint.governedAgents.length === 0) return <Text c="dimmed">none</Text>;
  return endpoint.governedAgents.map((agent) => (
    <Tooltip
      key={agent.agent}
      label={
        agent.appliedAt
          ? `Settings written ${formatDateTime(agent.appliedAt)}${agent.reason ? `: ${agent.reason}` : ''}`
          : 'No settings reported yet'
      }
    >
      <Text size="sm">
        {agent.agent} {agent.version ?? ''} ·{' '}
        {agent.access === 'policy'
          ? `policy v${agent.bundleVersion}`
          : agent.access === 'deny-all'
            ? 'deny-all'
            : 'not applied'}
        {agent.appliedAt ? ` · ${formatRelative(agent.appliedAt)}` : ''}
      </Text>
    </Tooltip>
  ));
}

function endpointStatus(endpoint: EndpointView) {
  if (endpoint.revokedAt) return <Badge color="gray">revoked</Badge>;
  if (endpoint.reportedVerified === false) return <Badge color="red">failed verification</Badge>;
  if (endpoint.reportedVersion != null && endpoint.reportedVersion < endpoint.bundleVersion) {
    return <Badge color="yellow">behind</Badge>;
  }
  if (endpoint.reportedVersion == null) return <Badge color="gray">not reported</Badge>;
  return <Badge color="green">current</Badge>;
}

function RevokeEndpointButton({ endpoint }: { endpoint: EndpointView }) {
  const revoke = useRevokeEndpoint();
  return (
    <Tooltip label="Revoke endpoint">
      <ActionIcon
        variant="subtle"
        color="red"
        aria-label={`Revoke ${endpoint.deviceName}`}
        onClick={() =>
          confirmDestructive({
            title: `Revoke ${endpoint.deviceName}?`,
            message:
              'Its credential stops working at once; the device must enrol again with a new token.',
            confirmLabel: 'Revoke endpoint',
            onConfirm: () => revoke.mutate({ id: endpoint.id }),
          })
        }
      >
        <IconPlayerStop size={16} aria-hidden />
      </ActionIcon>
    </Tooltip>
  );
}

// Every enrolled device: who uses it, what it runs and whether it runs the latest policy.
export function EndpointList({
  endpoints,
  editable,
}: {
  endpoints: readonly EndpointView[];
  editable: boolean;
}) {
  const names = useDirectoryNames(endpoints.map((endpoint) => endpoint.userId));
  return (
    <DataTable<EndpointView>
      label="endpoints"
      records={endpoints}
      idAccessor="id"
      initialSort={{ columnAccessor: 'lastSeenAt', direction: 'desc' }}
      searchText={(e) =>
        `${e.deviceName} ${names.get(e.userId)?.name ?? ''} ${e.os} ${e.runtimeVersion}`
      }
      emptyText="No endpoints"
      columns={[
        { accessor: 'deviceName', title: 'Device', sortable: true },
        {
          accessor: 'userId',
          title: 'User',
          render: (e) => (
            <SubjectLabel
              kind="user"
              id={e.userId}
              name={names.get(e.userId)}
              loading={names.isLoading}
              detail={false}
            />
          ),
        },
        { accessor: 'os', title: 'OS', sortable: true },
        { accessor: 'runtimeVersion', title: 'Runtime', sortable: true },
        {
          accessor: 'bundleVersion',
          title: 'Policy (latest / running)',
          sortable: true,
          render: (e) => `${e.bundleVersion} / ${e.reportedVersion ?? '—'}`,
        },
        { accessor: 'status', title: 'Status', render: endpointStatus, noWrap: true, width: 150 },
        { accessor: 'governedAgents', title: 'Governed agents', render: governedAgents },
        {
          accessor: 'lastSeenAt',
          title: 'Last seen',
          sortable: true,
          render: (e) => formatRelative(e.lastSeenAt),
        },
        actionsColumn((e) =>
          editable && !e.revokedAt ? <RevokeEndpointButton endpoint={e} /> : null,
        ),
      ]}
    />
  );
}
