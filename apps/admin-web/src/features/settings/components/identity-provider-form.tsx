import { Button, Group, Stack, Textarea, TextInput } from '@mantine/core';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { confirmDestructive } from '../../../components/ui/confirm';
import type { SamlSettings } from '../graphql/settings';
import { errorMessage } from '../../../lib/errors';
import { useConfigureSaml, useFetchSamlIdpMetadata } from '../hooks/use-settings';
import { readIdpMetadata, type IdpMetadata } from '../saml-metadata';

export type Connection = NonNullable<SamlSettings['connection']>;

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

// Pasting the IdP's metadata, or giving its URL for the API to fetch, fills the form; the owner
// still reviews and saves.
function MetadataImport({ onRead }: { onRead: (metadata: IdpMetadata) => void }) {
  const [xml, setXml] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <Stack gap={4}>
      <Textarea
        label="IdP metadata XML (optional)"
        description="Paste the identity provider’s SAML metadata to fill the fields below."
        autosize
        minRows={1}
        maxRows={6}
        value={xml}
        error={problem}
        onChange={(event) => {
          setXml(event.currentTarget.value);
          setProblem(null);
        }}
      />
      <Group>
        <Button
          size="xs"
          variant="default"
          disabled={!xml.trim()}
          onClick={() => {
            const read = readIdpMetadata(xml);
            if (typeof read === 'string') return setProblem(read);
            onRead(read);
            setXml('');
          }}
        >
          Fill from metadata
        </Button>
      </Group>
      <MetadataUrlImport onRead={onRead} />
    </Stack>
  );
}

// The API fetches the metadata (the browser could not: IdPs send no CORS headers) and reads it as
// pasted metadata is read.
function MetadataUrlImport({ onRead }: { onRead: (metadata: IdpMetadata) => void }) {
  const [url, setUrl] = useState('');
  const fetchMetadata = useFetchSamlIdpMetadata();
  const fetchFromUrl = () =>
    fetchMetadata.mutate(
      { url: url.trim() },
      { onSuccess: (data) => onRead(data.fetchSamlIdpMetadata) },
    );
  return (
    <Stack gap={4}>
      <TextInput
        label="IdP metadata URL (optional)"
        description="Or give the metadata URL: the Steward server fetches it and fills the fields below."
        placeholder="https://example.okta.com/app/exk1abcd/sso/saml/metadata"
        value={url}
        error={fetchMetadata.error ? errorMessage(fetchMetadata.error) : null}
        onChange={(event) => {
          setUrl(event.currentTarget.value);
          fetchMetadata.reset();
        }}
        onKeyDown={(event) => {
          // Enter fetches instead of submitting the identity provider form.
          if (event.key !== 'Enter') return;
          event.preventDefault();
          if (url.trim()) fetchFromUrl();
        }}
      />
      <Group>
        <Button
          size="xs"
          variant="default"
          disabled={!url.trim()}
          loading={fetchMetadata.isPending}
          onClick={fetchFromUrl}
        >
          Fetch from URL
        </Button>
      </Group>
    </Stack>
  );
}

function useIdentityProviderForm(connection: Connection | null) {
  return useForm({
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
}

type IdentityProviderValues = ReturnType<typeof useIdentityProviderForm>['values'];

const MONOSPACE = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

function IdentityProviderFields({
  form,
  connection,
}: {
  form: UseFormReturnType<IdentityProviderValues>;
  connection: Connection | null;
}) {
  return (
    <>
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
        styles={MONOSPACE}
        {...form.getInputProps('certificate')}
      />
      <Textarea
        label="Next signing certificate (optional)"
        description="While the IdP rotates its key, both are accepted."
        autosize
        minRows={1}
        maxRows={8}
        styles={MONOSPACE}
        {...form.getInputProps('nextCertificate')}
      />
      <TextInput
        label="Groups attribute"
        description="The assertion attribute that carries group names (for admin role mapping)."
        maw={360}
        {...form.getInputProps('groupsAttribute')}
      />
    </>
  );
}

export function IdentityProviderForm({
  connection,
  onSaved,
}: {
  connection: Connection | null;
  onSaved: () => void;
}) {
  const configure = useConfigureSaml();
  const form = useIdentityProviderForm(connection);
  const save = (values: IdentityProviderValues) =>
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
        <MetadataImport
          onRead={(metadata) =>
            form.setValues({
              idpEntityId: metadata.idpEntityId,
              ssoUrl: metadata.ssoUrl,
              certificate: metadata.certificates[0] ?? '',
              nextCertificate: metadata.certificates[1] ?? '',
            })
          }
        />
        <IdentityProviderFields form={form} connection={connection} />
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
