import { IconShieldLock } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';
import { TextLink } from '../components/ui/links';
export function RolesPage() {
  return (
    <Page title="Roles" description="What the agent may do, given to groups or people.">
      <EmptyState
        icon={<IconShieldLock size={26} />}
        title="No roles yet"
        nextStep={
          <>
            once your groups are in <TextLink to="/people">People &amp; groups</TextLink>, create a
            role and bind it to a group.
          </>
        }
      >
        A role is a named set of capabilities (shell, web access, computer use, scheduled tasks,
        connectors, auto-approval, …) with connector and folder rules. Bind roles to groups so SCIM
        keeps access current.
      </EmptyState>
    </Page>
  );
}
