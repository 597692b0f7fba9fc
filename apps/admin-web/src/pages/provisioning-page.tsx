import { Code, Group, List, Tabs, Text } from '@mantine/core';
import { ApiError } from '../components/ui/api-error';
import { CopyValueButton } from '../components/ui/copy-value-button';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { AuditTrail } from '../features/audit/components/audit-trail';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { MachineCredentials } from '../features/settings/components/machine-credentials';
import { ScimRefusals } from '../features/settings/components/scim-refusals';
import { useScimProvisioning } from '../features/settings/hooks/use-settings';
import { canEdit } from '../lib/permissions';

function BaseUrl() {
  const scim = useScimProvisioning();
  if (scim.error) return <ApiError error={scim.error} title="The SCIM base URL could not load" />;
  const url = scim.data?.baseUrl ?? '…';
  return (
    <Group gap="xs">
      <Text size="sm">SCIM base URL</Text>
      <Code data-testid="scim-base-url">{url}</Code>
      <CopyValueButton value={url} label="Copy URL" />
    </Group>
  );
}

function SetUpSteps() {
  return (
    <Tabs defaultValue="okta">
      <Tabs.List aria-label="Identity provider">
        <Tabs.Tab value="okta">Okta</Tabs.Tab>
        <Tabs.Tab value="entra">Microsoft Entra ID</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="okta" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>Create a SCIM token below and copy it.</List.Item>
          <List.Item>
            In your Okta app: General → App Settings → Provisioning: SCIM; then Provisioning →
            Integration: SCIM connector base URL as above, unique identifier field userName, actions
            Push New Users, Push Profile Updates and Push Groups, authentication mode HTTP Header
            with the token as Bearer.
          </List.Item>
          <List.Item>
            Provisioning → To App: enable Create Users, Update User Attributes and Deactivate Users;
            then assign people and push the groups you will bind roles to.
          </List.Item>
        </List>
      </Tabs.Panel>
      <Tabs.Panel value="entra" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>Create a SCIM token below and copy it.</List.Item>
          <List.Item>
            In the enterprise application: Provisioning → Automatic; Tenant URL as above, Secret
            Token the token; Test Connection.
          </List.Item>
          <List.Item>
            Keep the default mappings (userPrincipalName to userName), assign users and groups, then
            start provisioning. Entra syncs every 40 minutes.
          </List.Item>
        </List>
      </Tabs.Panel>
    </Tabs>
  );
}

export function ProvisioningPage() {
  const viewer = useViewer();
  return (
    <Page
      title="Provisioning"
      description="Your identity provider keeps people and groups current in Steward by SCIM 2.0."
    >
      <Section title="Connect your identity provider">
        <BaseUrl />
        <SetUpSteps />
      </Section>
      <Section
        title="SCIM tokens"
        description="Each identity provider gets its own token; revoke one and its requests are refused."
      >
        <MachineCredentials editable={canEdit(viewer)} only="scim" />
      </Section>
      <Section
        title="Latest provisioning"
        description="The changes your identity provider made most recently."
      >
        <AuditTrail filter={{ actorType: 'scim' }} />
      </Section>
      <Section
        title="Refused requests"
        description="Requests of your identity provider that Steward refused, newest first, with the reason it gave."
      >
        <ScimRefusals />
      </Section>
    </Page>
  );
}
