import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { AdminRoleMappings } from '../features/settings/components/admin-role-mappings';
import { AdminsAndSessions } from '../features/settings/components/admins-and-sessions';
import { MachineCredentials } from '../features/settings/components/machine-credentials';
import { OrganizationName } from '../features/settings/components/organization-name';
import { SigningKeys } from '../features/settings/components/signing-keys';
import { SingleSignOn } from '../features/settings/components/single-sign-on';
import { TelemetryExport } from '../features/settings/components/telemetry-export';
import { canEdit, canManageSignIn } from '../lib/permissions';

export function SettingsPage() {
  const viewer = useViewer();
  const editable = canEdit(viewer);
  const managesSignIn = canManageSignIn(viewer);
  return (
    <Page title="Settings" description="Sign-in, provisioning, keys and exports.">
      <Section title="Organization">
        <OrganizationName organization={viewer.organization} editable={managesSignIn} />
      </Section>
      <Section
        title="Single sign-on (SAML)"
        description="Enter the service provider details in your identity provider, then its details here."
      >
        <SingleSignOn editable={managesSignIn} />
      </Section>
      <Section
        title="Admin role mapping"
        description="Which identity-provider groups sign in to this console, and as what."
      >
        <AdminRoleMappings editable={managesSignIn} />
      </Section>
      <Section
        title="Admins"
        description="Who signs in to this console, as what; owners can end a live session."
      >
        <AdminsAndSessions owner={managesSignIn} />
      </Section>
      <Section
        title="Tokens and API keys"
        description="SCIM tokens for your identity provider, Analytics API keys, and enrolment tokens for endpoints. Secrets are shown once."
      >
        <MachineCredentials editable={editable} />
      </Section>
      <Section
        title="OpenTelemetry export"
        description="Agent events, as OTLP logs, to your own collector."
      >
        <TelemetryExport editable={editable} />
      </Section>
      <Section
        title="Bundle signing keys"
        description="Endpoints verify every policy bundle against these keys."
      >
        <SigningKeys editable={editable} />
      </Section>
    </Page>
  );
}
