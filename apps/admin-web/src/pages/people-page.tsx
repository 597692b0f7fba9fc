import { IconUsersGroup } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { TextLink } from '../components/ui/links';
export function PeoplePage() {
  return (
    <Page
      title="People & groups"
      description="Everyone who may use the agent, as your identity provider describes them."
    >
      <EmptyState
        icon={<IconUsersGroup size={26} />}
        title="No people or groups yet"
        nextStep={
          <>
            create a SCIM token in <TextLink to="/settings">Settings</TextLink> and point your IdP's
            provisioning (Okta, Entra ID, …) at Steward.
          </>
        }
      >
        Users and groups arrive from your identity provider by SCIM (or can be added here).
        Deactivated people lose access at their next policy pull.
      </EmptyState>
    </Page>
  );
}
