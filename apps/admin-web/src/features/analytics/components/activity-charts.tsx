import { AreaChart, BarChart, type AreaChartProps, type BarChartSeries } from '@mantine/charts';
import { Grid, Paper, SimpleGrid, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Section } from '../../../components/ui/section';
import { formatUsd } from '../../../lib/format';
import type { OrganizationActivityDay, OrganizationMetrics } from '../graphql/analytics';

const dayLabel = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const count = new Intl.NumberFormat();
// Counts of people, sessions and calls: no 0.5 ticks.
const WHOLE_NUMBERS = { allowDecimals: false };

function chartData(days: OrganizationActivityDay[]) {
  return days.map((day) => ({
    ...day,
    date: dayLabel.format(new Date(`${day.day}T00:00:00Z`)),
    costUsd: Number(day.costUsd),
  }));
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Paper withBorder radius="md" p="md" data-testid="stat">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text fw={700} size="xl">
        {value}
      </Text>
    </Paper>
  );
}

type ChartDay = ReturnType<typeof chartData>[number];

// One of the four daily charts, half the width on large screens.
function ChartCell({
  title,
  description,
  children,
}: {
  title: string;
  description: string;
  children: ReactNode;
}) {
  return (
    <Grid.Col span={{ base: 12, lg: 6 }}>
      <Section title={title} description={description}>
        <div data-testid="chart">{children}</div>
      </Section>
    </Grid.Col>
  );
}

function DailyArea({
  data,
  ...props
}: { data: ChartDay[] } & Omit<AreaChartProps, 'data' | 'dataKey'>) {
  return (
    <AreaChart h={240} data={data} dataKey="date" curveType="linear" withDots={false} {...props} />
  );
}

// Counts that add up to the day's total, one colour each.
function DailyStack({ data, series }: { data: ChartDay[]; series: BarChartSeries[] }) {
  return (
    <BarChart
      h={240}
      data={data}
      dataKey="date"
      type="stacked"
      withLegend
      yAxisProps={WHOLE_NUMBERS}
      series={series}
    />
  );
}

function Totals({ totals }: { totals: OrganizationMetrics['totals'] }) {
  return (
    <SimpleGrid cols={{ base: 2, md: 4 }}>
      <Stat label="Active people" value={count.format(totals.activeUsers)} />
      <Stat label="Sessions" value={count.format(totals.sessions)} />
      <Stat
        label="Tool calls (denied)"
        value={`${count.format(totals.toolCalls)} (${count.format(totals.toolCallsDenied)})`}
      />
      <Stat label="Model spend" value={formatUsd(totals.costUsd)} />
    </SimpleGrid>
  );
}

// The organization's days as the rollups count them: who was active, what the agent did, how
// plans were approved and what it cost.
export function ActivityCharts({ metrics }: { metrics: OrganizationMetrics }) {
  const data = chartData(metrics.days);
  return (
    <>
      <Totals totals={metrics.totals} />
      <Grid>
        <ChartCell title="Active people and sessions" description="Per day (UTC).">
          <DailyArea
            data={data}
            withLegend
            yAxisProps={WHOLE_NUMBERS}
            series={[
              { name: 'activeUsers', label: 'Active people', color: 'blue.6' },
              { name: 'sessions', label: 'Sessions', color: 'teal.6' },
            ]}
          />
        </ChartCell>
        <ChartCell
          title="Tool calls by decision"
          description="Allowed, asked the person first, or denied by policy."
        >
          <DailyStack
            data={data}
            series={[
              { name: 'toolCallsAllowed', label: 'Allowed', color: 'teal.6' },
              { name: 'toolCallsAsked', label: 'Asked', color: 'yellow.6' },
              { name: 'toolCallsDenied', label: 'Denied', color: 'red.6' },
            ]}
          />
        </ChartCell>
        <ChartCell
          title="Plan approvals"
          description="Plans a person approved against plans an auto-approval rule let through."
        >
          <DailyStack
            data={data}
            series={[
              { name: 'plansApprovedManual', label: 'Manual', color: 'blue.6' },
              { name: 'plansApprovedAuto', label: 'Automatic', color: 'grape.6' },
            ]}
          />
        </ChartCell>
        <ChartCell title="Model spend" description="Settled model cost per day, in USD.">
          <DailyArea
            data={data}
            valueFormatter={(value) => formatUsd(value)}
            series={[{ name: 'costUsd', label: 'Spend', color: 'orange.6' }]}
          />
        </ChartCell>
      </Grid>
    </>
  );
}
