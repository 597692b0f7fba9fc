import { Group, Loader, SegmentedControl, Text } from '@mantine/core';
import { IconHome } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../components/ui/api-error';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { ActivityCharts } from '../features/analytics/components/activity-charts';
import type { OrganizationMetrics } from '../features/analytics/graphql/analytics';
import { useOrganizationMetrics } from '../features/analytics/hooks/use-organization-metrics';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { GettingStarted } from '../features/onboarding/getting-started';
import { SpendVsLimits } from '../features/spend/components/spend-vs-limits';
import { canEdit } from '../lib/permissions';

const RANGES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
];

function hasActivity(metrics: OrganizationMetrics): boolean {
  const { totals } = metrics;
  return totals.activeUsers > 0 || totals.sessions > 0 || totals.toolCalls > 0;
}

function NoActivity({ days, editable }: { days: number; editable: boolean }) {
  return (
    <EmptyState
      icon={<IconHome size={26} />}
      title={`No agent activity in the last ${days} days`}
      nextStep={
        editable ? (
          <>
            create an enrolment token in <TextLink to="/settings">Settings</TextLink>, enrol a first
            endpoint with it, then follow it in{' '}
            <TextLink to="/endpoints">Endpoints &amp; rollout</TextLink>.
          </>
        ) : (
          'ask an owner or admin to enrol endpoints, or pick a longer period above.'
        )
      }
    >
      Once people use the agent, this page charts who is active, sessions, tool calls by policy
      decision, manual and automatic plan approvals, and model spend, day by day.
    </EmptyState>
  );
}

export function OverviewPage() {
  const viewer = useViewer();
  const [days, setDays] = useState('30');
  const metrics = useOrganizationMetrics(Number(days));

  return (
    <Page title="Overview" description="Your organization at a glance.">
      {canEdit(viewer) && viewer.role !== 'billing' && <GettingStarted />}
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {metrics.data ? `${metrics.data.from} to ${metrics.data.to} (UTC)` : ' '}
        </Text>
        <Group gap="xs">
          {metrics.isFetching && <Loader size="xs" aria-label="Loading" />}
          <SegmentedControl aria-label="Period" data={RANGES} value={days} onChange={setDays} />
        </Group>
      </Group>
      <ApiError error={metrics.error} title="The charts could not load" />
      {metrics.data &&
        (hasActivity(metrics.data) ? (
          <ActivityCharts metrics={metrics.data} />
        ) : (
          <NoActivity days={Number(days)} editable={canEdit(viewer)} />
        ))}
      <SpendVsLimits />
    </Page>
  );
}
