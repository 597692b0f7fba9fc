import { IconCoin } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { TextLink } from '../components/ui/links';
export function SpendPage() {
  return (
    <Page title="Spend" description="Model spend by team and person, against the limits you set.">
      <EmptyState
        icon={<IconCoin size={26} />}
        title="No spend limits yet"
        nextStep={
          <>
            check your organization's time zone in <TextLink to="/settings">Settings</TextLink>{' '}
            (periods roll over in it), then add a limit for a team.
          </>
        }
      >
        Set daily, weekly or monthly limits on teams and people, hard or soft, with alert
        thresholds. Usage and remaining budget appear here once endpoints report model calls.
      </EmptyState>
    </Page>
  );
}
