import {
  Alert,
  Button,
  Center,
  Paper,
  Stack,
  Text,
  TextInput,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { IconInfoCircle, IconShieldCheck } from '@tabler/icons-react';
import { useEffect, useState, type FormEvent } from 'react';
import { ColorSchemeControl } from '../components/ui/color-scheme-control';

const LAST_ORGANIZATION = 'steward.lastOrganization';
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function rememberedSlug(): string {
  try {
    return localStorage.getItem(LAST_ORGANIZATION) ?? '';
  } catch {
    return '';
  }
}

// The organization's short name, remembered for next time, then on to its identity provider.
function SignInForm() {
  const [slug, setSlug] = useState(rememberedSlug);
  const [error, setError] = useState<string | null>(null);
  const [redirecting, setRedirecting] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = slug.trim().toLowerCase();
    if (!SLUG.test(value)) {
      setError('Use your organization’s short name: lowercase letters, digits and hyphens.');
      return;
    }
    try {
      localStorage.setItem(LAST_ORGANIZATION, value);
    } catch {
      // Private browsing: remembering the organization is only a convenience.
    }
    setRedirecting(true);
    // A full page load: the SAML exchange happens between the API and the identity provider.
    window.location.assign(`/auth/saml/${encodeURIComponent(value)}/login`);
  }

  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="md">
        <TextInput
          label="Organization"
          description="The short name your administrator gave your organization, e.g. acme."
          placeholder="acme"
          autoComplete="organization"
          autoCapitalize="none"
          spellCheck={false}
          required
          data-autofocus
          autoFocus
          value={slug}
          error={error}
          onChange={(event) => {
            setSlug(event.currentTarget.value);
            setError(null);
          }}
        />
        <Button type="submit" fullWidth loading={redirecting}>
          Sign in with SSO
        </Button>
      </Stack>
    </form>
  );
}

export function SignInPage() {
  useEffect(() => {
    document.title = 'Sign in · Steward';
  }, []);

  return (
    <Center mih="100vh" p="md" component="main">
      <Stack w="100%" maw={420} gap="lg">
        <Stack align="center" gap="xs">
          <ThemeIcon size={48} radius="md" aria-hidden>
            <IconShieldCheck size={28} />
          </ThemeIcon>
          <Title order={1} size="h2">
            Sign in to Steward
          </Title>
          <Text c="dimmed" size="sm" ta="center">
            The control plane for your organization’s desktop AI agents.
          </Text>
        </Stack>

        <Paper withBorder radius="md" p="lg">
          <SignInForm />
        </Paper>

        <Alert
          variant="light"
          color="gray"
          icon={<IconInfoCircle aria-hidden />}
          title="New installation?"
        >
          <Text size="sm">
            A new Steward server prints a one-time first-admin sign-in link in the server’s console.
            Open it to sign in as the first owner, then set up SAML single sign-on in Settings.
          </Text>
        </Alert>

        <Center>
          <ColorSchemeControl />
        </Center>
      </Stack>
    </Center>
  );
}
