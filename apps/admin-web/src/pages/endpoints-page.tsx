import { ActionIcon, Badge, Button, Grid, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconDeviceLaptop, IconPlayerStop } from '@tabler/icons-react';
import { useState } from 'react';
import { confirmDestructive } from '../components/ui/confirm';
import { DataTable } from '../components/ui/data-table';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { RolloutPanel } from '../features/endpoints/components/rollout-panel';
import type { BundlePublish, EndpointView } from '../features/endpoints/graphql/endpoints';
import {
  useBundlePublishes,
  useEndpoints,
  useRevokeEndpoint,
} from '../features/endpoints/hooks/use-endpoints';
import { formatDateTime, formatRelative, shortId } from '../lib/format';
import { canEdit } from '../lib/permissions';

function endpointStatus(endpoint: EndpointView) {
  if (endpoint.revokedAt) return <Badge color="gray">revoked</Badge>;
  if (endpoint.reportedVerified === false) return <Badge color="red">failed verification</Badge>;
  if (endpoint.reportedVersion != null && endpoint.reportedVersion < endpoint.bundleVersion) {
    return <Badge color="yellow">behind</Badge>;
  }
  if (endpoint.reportedVersion == null) return <Badge color="gray">not reported</Badge>;
  return <Badge color="green">current</Badge>;
}

export function EndpointsPage() {
  const viewer = useViewer();
  const endpoints = useEndpoints();
  const publishes = useBundlePublishes();
  const revoke = useRevokeEndpoint();
  const [publishId, setPublishId] = useState<string | null>(null);
  const shownPublish = publishId ?? publishes[0]?.id ?? null;

  return (
    <Page
      title="Endpoints & rollout"
      description="Enrolled devices, the policy version each runs, and how far each publish has reached."
    >
      <Grid>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Section
            title="Publishes"
            description="Every policy change signs new bundles for the people it affects."
          >
            <DataTable<BundlePublish>
              label="publishes"
              records={publishes}
              idAccessor="id"
              initialSort={{ columnAccessor: 'createdAt', direction: 'desc' }}
              emptyText="Nothing published yet"
              pageSize={8}
              columns={[
                {
                  accessor: 'createdAt',
                  title: 'When',
                  sortable: true,
                  render: (p) => (
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      aria-pressed={p.id === shownPublish}
                      onClick={() => setPublishId(p.id)}
                    >
                      {formatDateTime(p.createdAt)}
                    </Button>
                  ),
                },
                { accessor: 'reason', title: 'Why', sortable: true },
                { accessor: 'subjectCount', title: 'People', sortable: true },
              ]}
            />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Section
            title="Rollout"
            description="Endpoints report the version they verified and run."
          >
            {shownPublish ? (
              <RolloutPanel publishId={shownPublish} />
            ) : (
              <Text size="sm" c="dimmed">
                The first publish happens when a role is bound or an endpoint enrols.
              </Text>
            )}
          </Section>
        </Grid.Col>
      </Grid>

      {!endpoints.length ? (
        <EmptyState
          icon={<IconDeviceLaptop size={26} />}
          title="No endpoints enrolled"
          nextStep={
            <>
              create an enrolment token in <TextLink to="/settings">Settings</TextLink> and run{' '}
              <code>steward-agent enrol</code> on a device.
            </>
          }
        >
          Each enrolled device shows here with its runtime, the policy version it runs and whether
          it verified the latest bundle.
        </EmptyState>
      ) : (
        <Section title="Endpoints">
          <DataTable<EndpointView>
            label="endpoints"
            records={endpoints}
            idAccessor="id"
            initialSort={{ columnAccessor: 'lastSeenAt', direction: 'desc' }}
            searchText={(e) => `${e.deviceName} ${e.userId} ${e.os} ${e.runtimeVersion}`}
            emptyText="No endpoints"
            columns={[
              { accessor: 'deviceName', title: 'Device', sortable: true },
              {
                accessor: 'userId',
                title: 'User',
                render: (e) => (
                  <Text size="sm" ff="monospace">
                    {shortId(e.userId)}
                  </Text>
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
              { accessor: 'status', title: 'Status', render: endpointStatus },
              {
                accessor: 'lastSeenAt',
                title: 'Last seen',
                sortable: true,
                render: (e) => formatRelative(e.lastSeenAt),
              },
              {
                accessor: 'actions',
                title: <VisuallyHidden>Actions</VisuallyHidden>,
                render: (e) =>
                  canEdit(viewer) && !e.revokedAt ? (
                    <Tooltip label="Revoke endpoint">
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Revoke ${e.deviceName}`}
                        onClick={() =>
                          confirmDestructive({
                            title: `Revoke ${e.deviceName}?`,
                            message:
                              'Its credential stops working at once; the device must enrol again with a new token.',
                            confirmLabel: 'Revoke endpoint',
                            onConfirm: () => revoke.mutate({ id: e.id }),
                          })
                        }
                      >
                        <IconPlayerStop size={16} aria-hidden />
                      </ActionIcon>
                    </Tooltip>
                  ) : null,
              },
            ]}
          />
        </Section>
      )}
    </Page>
  );
}
