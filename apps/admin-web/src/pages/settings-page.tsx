import { Badge, Code, Stack, Table, Text } from '@mantine/core';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { MachineCredentials } from '../features/settings/components/machine-credentials';
import { SigningKeys } from '../features/settings/components/signing-keys';
import {
  useAdminRoleMappings,
  useSamlSettings,
  useTelemetryCollector,
} from '../features/settings/hooks/use-settings';
import { formatDateTime } from '../lib/format';
import { canEdit, canManageSignIn } from '../lib/permissions';

function SamlSummary({ enabled }: { enabled: boolean }) {
  const saml = useSamlSettings(enabled);
  const mappings = useAdminRoleMappings(enabled);
  if (!enabled) {
    return (
      <Text size="sm" c="dimmed">
        Only owners see and change single sign-on and admin role mapping.
      </Text>
    );
  }
  const settings = saml.data;
  return (
    <Stack gap="xs">
      {settings && (
        <Table aria-label="Single sign-on" verticalSpacing={4}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th>Service provider entity ID</Table.Th>
              <Table.Td>
                <Code>{settings.serviceProvider.entityId}</Code>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>ACS URL</Table.Th>
              <Table.Td>
                <Code>{settings.serviceProvider.acsUrl}</Code>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>Identity provider</Table.Th>
              <Table.Td>
                {settings.connection ? (
                  <>
                    <Code>{settings.connection.idpEntityId}</Code> · last sign-in{' '}
                    {formatDateTime(settings.connection.lastSignInAt)}
                  </>
                ) : (
                  <Badge color="yellow" variant="light">
                    not configured
                  </Badge>
                )}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      )}
      <Text size="sm" fw={500}>
        Admin role mapping
      </Text>
      {mappings.data?.length ? (
        <Table aria-label="Admin role mapping" verticalSpacing={4}>
          <Table.Tbody>
            {mappings.data.map((mapping) => (
              <Table.Tr key={mapping.id}>
                <Table.Td>
                  <Code>{mapping.idpGroup}</Code>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{mapping.role}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No identity-provider group is mapped to an admin role yet.
        </Text>
      )}
    </Stack>
  );
}

function TelemetrySummary() {
  const collector = useTelemetryCollector();
  const config = collector.data;
  if (!config) {
    return (
      <Text size="sm" c="dimmed">
        Not forwarding. Agent events can be exported to your OpenTelemetry collector with prompts,
        commands and paths redacted.
      </Text>
    );
  }
  return (
    <Text size="sm">
      Forwarding to <Code>{config.endpoint}</Code> ({config.enabled ? 'on' : 'paused'}) · prompts:{' '}
      {config.redactPrompts}, commands: {config.redactCommands}, paths: {config.redactPaths}
    </Text>
  );
}

export function SettingsPage() {
  const viewer = useViewer();
  const editable = canEdit(viewer);
  return (
    <Page title="Settings" description="Sign-in, provisioning, keys and exports.">
      <Section title="Single sign-on (SAML)">
        <SamlSummary enabled={canManageSignIn(viewer)} />
      </Section>
      <Section
        title="Tokens and API keys"
        description="SCIM tokens for your identity provider, Analytics API keys, and enrolment tokens for endpoints. Secrets are shown once."
      >
        <MachineCredentials editable={editable} />
      </Section>
      <Section title="OpenTelemetry export">
        <TelemetrySummary />
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
