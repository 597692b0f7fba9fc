import { Alert, Badge, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import { IconCertificate } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { formatDateTime } from '../../../lib/format';
import type { SamlSettings } from '../graphql/settings';
import { useSamlSettings } from '../hooks/use-settings';
import { expiringCertificates } from '../saml-metadata';
import { IdentityProviderForm, type Connection } from './identity-provider-form';

function ServiceProvider({ settings }: { settings: SamlSettings }) {
  const { serviceProvider, connection } = settings;
  const rows: [string, ReactNode][] = [
    ['Service provider entity ID', <Code key="entity">{serviceProvider.entityId}</Code>],
    ['ACS URL', <Code key="acs">{serviceProvider.acsUrl}</Code>],
    ['SP metadata', <Code key="metadata">{serviceProvider.metadataUrl}</Code>],
    [
      'Identity provider',
      connection ? (
        <Stack gap={2} key="idp">
          <span>
            <Code>{connection.idpEntityId}</Code> · last sign-in{' '}
            {formatDateTime(connection.lastSignInAt)}
          </span>
          {connection.certificates.map((certificate) => (
            <Text size="xs" c="dimmed" key={certificate.fingerprintSha256}>
              {certificate.subject} · valid until {formatDateTime(certificate.notAfter)}
            </Text>
          ))}
        </Stack>
      ) : (
        <Badge color="yellow" variant="light" key="idp">
          not configured
        </Badge>
      ),
    ],
  ];
  return (
    <Table aria-label="Single sign-on" verticalSpacing={4}>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th w={240} style={{ whiteSpace: 'nowrap' }}>
              {label}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

// Before an IdP certificate lapses (every SAML sign-in fails then), the owner is told.
function ExpiryWarning({ connection }: { connection: Connection }) {
  const soon = expiringCertificates(connection.certificates);
  if (!soon.length) return null;
  const first = soon[0]!;
  const expired = new Date(first.notAfter).getTime() < Date.now();
  return (
    <Alert
      color={expired ? 'red' : 'yellow'}
      variant="light"
      icon={<IconCertificate aria-hidden />}
      title={
        expired
          ? 'The IdP signing certificate has expired'
          : 'The IdP signing certificate expires soon'
      }
      data-testid="certificate-expiry"
    >
      {first.subject} {expired ? 'expired' : 'expires'} on {formatDateTime(first.notAfter)}. Add the
      identity provider’s next certificate (Change identity provider → Next signing certificate)
      before then, or admins cannot sign in.
    </Alert>
  );
}

// The owner tries single sign-on in another tab before relying on it: the first success closes
// the first-run link.
function TestSignIn({ settings }: { settings: SamlSettings }) {
  if (!settings.connection) return null;
  return (
    <Group gap="xs">
      <Button
        component="a"
        href={settings.serviceProvider.loginUrl}
        target="_blank"
        rel="noopener"
        variant="default"
        size="xs"
      >
        Test sign-in in a new tab
      </Button>
      <Text size="xs" c="dimmed">
        {settings.bootstrapDisabledAt
          ? `Enforced since ${formatDateTime(settings.bootstrapDisabledAt)}: the first-run link is closed.`
          : 'Not enforced yet: the first successful sign-in closes the first-run link for good.'}
      </Text>
    </Group>
  );
}

// Everyone who may open Settings sees what to enter in the IdP; only owners change it.
export function SingleSignOn({ editable }: { editable: boolean }) {
  const saml = useSamlSettings(true);
  const [changing, setChanging] = useState(false);
  if (!saml.data) return <ApiError error={saml.error} />;
  const { connection } = saml.data;
  return (
    <Stack gap="md">
      {connection && <ExpiryWarning connection={connection} />}
      <ServiceProvider settings={saml.data} />
      {editable && <TestSignIn settings={saml.data} />}
      {editable ? (
        !connection || changing ? (
          <IdentityProviderForm connection={connection} onSaved={() => setChanging(false)} />
        ) : (
          <Group>
            <Button variant="light" onClick={() => setChanging(true)}>
              Change identity provider
            </Button>
          </Group>
        )
      ) : (
        <Text size="sm" c="dimmed">
          Only owners change single sign-on.
        </Text>
      )}
    </Stack>
  );
}
