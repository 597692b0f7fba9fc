import { Badge, Button, Code, Group, Stack, Table, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState, type ReactNode } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { confirmDestructive } from '../../../components/ui/confirm';
import { formatDateTime } from '../../../lib/format';
import type { SamlSettings } from '../graphql/settings';
import { useConfigureSaml, useSamlSettings } from '../hooks/use-settings';

type Connection = NonNullable<SamlSettings['connection']>;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

// The API's rules, checked as the owner types; the API still has the last word (it parses the
// certificate as X.509, which the browser does not).
function ssoUrlError(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      return null;
    }
  } catch {
    // Falls through to the message below.
  }
  return 'An absolute https:// URL: the IdP’s single sign-on (SAML 2.0 HTTP-Redirect) URL';
}

function certificateError(value: string, required: boolean): string | null {
  const body = value.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!body) return required ? 'Paste the IdP’s signing certificate' : null;
  return /^[A-Za-z0-9+/]+=*$/.test(body)
    ? null
    : 'A PEM certificate (-----BEGIN CERTIFICATE-----) or its base64 body';
}

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

function IdentityProviderForm({
  connection,
  onSaved,
}: {
  connection: Connection | null;
  onSaved: () => void;
}) {
  const configure = useConfigureSaml();
  const form = useForm({
    initialValues: {
      idpEntityId: connection?.idpEntityId ?? '',
      ssoUrl: connection?.ssoUrl ?? '',
      certificate: '',
      nextCertificate: '',
      groupsAttribute: connection?.groupsAttribute ?? 'groups',
    },
    validate: {
      idpEntityId: (value) =>
        value.trim() && value.trim().length <= 1024
          ? null
          : 'The IdP entity ID (issuer) from its metadata, up to 1024 characters',
      ssoUrl: ssoUrlError,
      certificate: (value) => certificateError(value, true),
      nextCertificate: (value) => certificateError(value, false),
      groupsAttribute: (value) => (value.trim().length <= 512 ? null : 'At most 512 characters'),
    },
    validateInputOnChange: true,
  });

  const save = (values: typeof form.values) =>
    configure.mutate(
      {
        input: {
          idpEntityId: values.idpEntityId.trim(),
          ssoUrl: values.ssoUrl.trim(),
          signingCertificates: [values.certificate, values.nextCertificate].filter((c) => c.trim()),
          groupsAttribute: values.groupsAttribute.trim() || null,
        },
      },
      {
        onSuccess: () => {
          form.setValues({ certificate: '', nextCertificate: '' });
          onSaved();
        },
      },
    );

  return (
    <form
      noValidate
      aria-label="Identity provider"
      onSubmit={form.onSubmit((values) =>
        connection
          ? confirmDestructive({
              title: 'Replace the identity provider?',
              message:
                'Admins sign in through these settings from the next sign-in on. A wrong URL or certificate stops every SAML sign-in until it is corrected.',
              confirmLabel: 'Replace',
              onConfirm: () => save(values),
            })
          : save(values),
      )}
    >
      <Stack gap="xs">
        <Group grow align="flex-start">
          <TextInput
            label="IdP entity ID"
            placeholder="http://www.okta.com/exk1abcd"
            required
            {...form.getInputProps('idpEntityId')}
          />
          <TextInput
            label="SSO URL"
            placeholder="https://example.okta.com/app/steward/sso/saml"
            required
            {...form.getInputProps('ssoUrl')}
          />
        </Group>
        <Textarea
          label="Signing certificate"
          description={
            connection
              ? 'Paste it again to keep it: the API never sends certificates back.'
              : 'From the IdP’s metadata or its SAML set-up page.'
          }
          placeholder="-----BEGIN CERTIFICATE-----"
          required
          autosize
          minRows={3}
          maxRows={8}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          {...form.getInputProps('certificate')}
        />
        <Textarea
          label="Next signing certificate (optional)"
          description="While the IdP rotates its key, both are accepted."
          autosize
          minRows={1}
          maxRows={8}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          {...form.getInputProps('nextCertificate')}
        />
        <TextInput
          label="Groups attribute"
          description="The assertion attribute that carries group names (for admin role mapping)."
          maw={360}
          {...form.getInputProps('groupsAttribute')}
        />
        <ApiError error={configure.error} />
        <Group>
          <Button type="submit" loading={configure.isPending}>
            Save identity provider
          </Button>
        </Group>
      </Stack>
    </form>
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
      <ServiceProvider settings={saml.data} />
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
