import { IconDeviceLaptop } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
export function EndpointsPage() {
  return (
    <Page
      title="Endpoints & rollout"
      description="The computers running the Steward agent runtime, and the policy each one runs."
    >
      <EmptyState
        icon={<IconDeviceLaptop size={26} />}
        title="No endpoints enrolled"
        nextStep={
          <>
            create an enrolment token here, then install the Steward agent runtime on a first
            computer and enrol it with that token.
          </>
        }
      >
        Every enrolled computer appears here with the policy bundle version it runs, whether that
        bundle verified, and when it last checked in, so you can follow a change as it rolls out.
      </EmptyState>
    </Page>
  );
}
