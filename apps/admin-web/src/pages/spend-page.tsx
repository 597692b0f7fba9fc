import { Badge, Group, Progress, Stack, Text } from '@mantine/core';
import { IconCoin } from '@tabler/icons-react';
import { actionsColumn, DataTable } from '../components/ui/data-table';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { EndpointSpendForm } from '../features/spend/components/endpoint-spend-form';
import { SpendLimitForm } from '../features/spend/components/spend-limit-form';
import type { SpendBudget } from '../features/spend/graphql/spend';
import {
  useDeleteSpendLimit,
  useSpendBudgets,
  useSpendLimits,
} from '../features/spend/hooks/use-spend-limits';
import { SubjectLabel } from '../features/directory/components/subject-name';
import { useDirectoryNames } from '../features/directory/directory-names';
import { formatRelative } from '../lib/format';
import { canEdit } from '../lib/permissions';
import { RemoveButton } from '../components/ui/confirm';

const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });

function UsageBar({ budget }: { budget: SpendBudget }) {
  const limit = Number(budget.limitUsd);
  const spent = Number(budget.spentUsd);
  const reserved = Number(budget.reservedUsd);
  const spentPercent = limit ? Math.min(100, (spent / limit) * 100) : 0;
  const reservedPercent = limit ? Math.min(100 - spentPercent, (reserved / limit) * 100) : 0;
  const color = spentPercent >= 100 ? 'red' : spentPercent >= 80 ? 'orange' : 'blue';
  return (
    <Stack gap={2} miw={220}>
      <Progress.Root size="lg">
        <Progress.Section
          value={spentPercent}
          color={color}
          aria-label={`${Math.round(spentPercent)}% of the limit spent`}
        />
        <Progress.Section
          value={reservedPercent}
          color="gray"
          aria-label={`${Math.round(reservedPercent)}% of the limit held by open leases`}
        />
      </Progress.Root>
      <Text size="xs" c="dimmed">
        {usd.format(spent)} spent
        {reserved > 0 ? ` · ${usd.format(reserved)} in flight` : ''} of {usd.format(limit)}
      </Text>
    </Stack>
  );
}

// Each limit's current period; inside its section, so a failure to load it leaves the rest.
function LimitsAndUsage({ editable }: { editable: boolean }) {
  const limits = useSpendLimits();
  const budgets = useSpendBudgets();
  const remove = useDeleteSpendLimit();
  const names = useDirectoryNames(budgets.map((budget) => budget.subjectId));
  const nameOf = (b: SpendBudget) =>
    names.get(b.subjectId)?.name ?? `${b.subjectType} ${b.subjectId}`;
  const thresholds = new Map(limits.map((limit) => [limit.id, limit.alertThresholds]));

  return !budgets.length ? (
    <EmptyState
      icon={<IconCoin size={26} />}
      title="No spend limits yet"
      nextStep={editable ? 'add a limit for a group or a person below.' : undefined}
    >
      Limits cap what a group or a person may spend on models per day, week or month. Hard limits
      stop the agent; soft ones alert. Usage bars fill as endpoints settle requests.
    </EmptyState>
  ) : (
    <DataTable<SpendBudget>
      label="spend limits"
      records={budgets}
      idAccessor="limitId"
      initialSort={{ columnAccessor: 'resetsInSeconds', direction: 'asc' }}
      searchText={(b) => `${b.subjectType} ${nameOf(b)} ${b.period}`}
      emptyText="No limits"
      columns={[
        {
          accessor: 'subjectId',
          title: 'For',
          render: (b) => (
            <Group gap={6} wrap="nowrap">
              <Badge variant="light">{b.subjectType === 'group' ? 'team' : 'person'}</Badge>
              <SubjectLabel
                kind={b.subjectType}
                id={b.subjectId}
                name={names.get(b.subjectId)}
                loading={names.isLoading}
              />
            </Group>
          ),
        },
        { accessor: 'period', title: 'Per', sortable: true },
        { accessor: 'usage', title: 'Usage', render: (b) => <UsageBar budget={b} /> },
        {
          accessor: 'enforcement',
          title: 'When reached',
          sortable: true,
          render: (b) => (b.enforcement === 'hard' ? 'stops the agent' : 'alerts only'),
        },
        {
          accessor: 'alerts',
          title: 'Alerts at',
          render: (b) => (thresholds.get(b.limitId) ?? []).map((t) => `${t}%`).join(', ') || '—',
        },
        {
          accessor: 'resetsInSeconds',
          title: 'Resets',
          sortable: true,
          render: (b) => formatRelative(b.resetsAt),
        },
        actionsColumn((b) =>
          editable ? (
            <RemoveButton
              label={`Remove the ${b.period} limit for ${nameOf(b)}`}
              title="Remove this spend limit?"
              message="Spending for this group or person is no longer capped by it."
              confirmLabel="Remove limit"
              onConfirm={() => remove.mutate({ id: b.limitId })}
            />
          ) : null,
        ),
      ]}
    />
  );
}

export function SpendPage() {
  const viewer = useViewer();
  const editable = canEdit(viewer);
  return (
    <Page title="Spend" description="Model spend per team and person against their limits, live.">
      <Section title="Limits and usage" description="In the organization’s time zone.">
        <LimitsAndUsage editable={editable} />
      </Section>
      {editable && (
        <Section title="Add a limit">
          <SpendLimitForm />
        </Section>
      )}
      <Section
        title="Endpoint spend settings"
        description="What every endpoint does before a model call; signed into its policy bundle."
      >
        <EndpointSpendForm editable={editable} />
      </Section>
    </Page>
  );
}
