import { IconAdjustments } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';

export function SettingsPage() {
  return (
    <Page title="Settings" description="Your organization, sign-in and integrations.">
      <EmptyState
        icon={<IconAdjustments size={26} />}
        title="Settings are on their way"
        nextStep={
          <>
            configure SAML single sign-on with your identity provider; the first-admin link stops
            working once it succeeds.
          </>
        }
      >
        Organization name and time zone, SAML single sign-on, SCIM tokens, Analytics API keys and
        OpenTelemetry export will be managed here. Secrets are shown once, when created.
      </EmptyState>
    </Page>
  );
}
