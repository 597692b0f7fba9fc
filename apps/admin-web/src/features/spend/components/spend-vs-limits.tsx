import { BarChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { TextLink } from '../../../components/ui/links';
import { Section } from '../../../components/ui/section';
import { formatUsd, shortId } from '../../../lib/format';
import { useDirectoryNames } from '../../directory/directory-names';
import { useSpendBudgets } from '../hooks/use-spend-limits';

// Each limit's current period as one bar as long as the limit: settled spend, what open leases
// hold, and what is left.
function SpendVsLimitsChart() {
  const budgets = useSpendBudgets();
  const names = useDirectoryNames(budgets.map((budget) => budget.subjectId));
  const data = budgets.map((budget) => {
    const spent = Number(budget.spentUsd);
    const reserved = Number(budget.reservedUsd);
    return {
      limit: `${names.get(budget.subjectId)?.name ?? `${budget.subjectType} ${shortId(budget.subjectId)}`} · ${budget.period}`,
      spent,
      reserved,
      remaining: Math.max(0, Number(budget.limitUsd) - spent - reserved),
    };
  });
  return data.length ? (
    <div data-testid="chart">
      <BarChart
        h={Math.max(120, 48 * data.length + 60)}
        data={data}
        dataKey="limit"
        orientation="vertical"
        type="stacked"
        withLegend
        yAxisProps={{ width: 200 }}
        valueFormatter={(value) => formatUsd(value)}
        series={[
          { name: 'spent', label: 'Spent', color: 'blue.6' },
          { name: 'reserved', label: 'In flight', color: 'yellow.6' },
          { name: 'remaining', label: 'Left', color: 'gray.4' },
        ]}
      />
    </div>
  ) : (
    <Text size="sm" c="dimmed">
      No spend limits yet. Cap what a team or a person may spend on models in{' '}
      <TextLink to="/spend">Spend</TextLink>.
    </Text>
  );
}

export function SpendVsLimits() {
  return (
    <Section
      title="Spend against limits"
      description="This period of every team and personal limit, in the organization’s time zone."
    >
      <SpendVsLimitsChart />
    </Section>
  );
}
