import { IconHome } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { TextLink } from '../components/ui/links';
export function OverviewPage() {
  return (
    <Page title="Overview" description="Your organization at a glance.">
      <EmptyState
        icon={<IconHome size={26} />}
        title="Nothing to summarise yet"
        nextStep={
          <>
            set up single sign-on and SCIM provisioning in{' '}
            <TextLink to="/settings">Settings</TextLink>, then enrol a first endpoint from{' '}
            <TextLink to="/endpoints">Endpoints &amp; rollout</TextLink>.
          </>
        }
      >
        Once people use the agent, this page shows who is active, sessions and approvals today,
        spend against budgets, and how many endpoints run the latest policy.
      </EmptyState>
    </Page>
  );
}
