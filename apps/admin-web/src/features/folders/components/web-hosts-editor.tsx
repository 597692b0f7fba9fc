import { Code, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import { RemoveButton } from '../../../components/ui/confirm';
import { FormRowSubmit } from '../../../components/ui/form-row-submit';
import { isWebHost } from '../../../../../../libs/policy/src/network';
import { CAPABILITY_LABELS } from '../../governance/capabilities';
import { useRoles } from '../../governance/hooks/use-roles';
import { useGovernanceSettings, useSetWebAllowedHosts } from '../hooks/use-governance-settings';

// The API trims and lower-cases each entry before it checks it with the same isWebHost.
function normaliseHost(value: string): string {
  return value.trim().toLowerCase();
}

// Says which of the API's rules an entry breaks, in the words an admin needs to fix it.
function hostProblem(value: string, listed: readonly string[]): string | null {
  const host = normaliseHost(value);
  if (!host) return 'Enter a host name, e.g. pypi.org or *.example.com';
  if (host.includes('://')) return 'Leave out the scheme (https://): the host name only';
  if (host === '*') return 'A bare * would open the whole web: name a domain, e.g. *.example.com';
  if (host.includes('/')) return 'Leave out the path: the host name only';
  if (host.includes(':')) return 'Leave out the port: the host name only';
  if (!isWebHost(host)) {
    return 'Letters, digits, hyphens and dots only, with *. in front for every subdomain';
  }
  if (listed.includes(host)) return 'Already on the list';
  return null;
}

// The organization's web allow-list for the agent's shell: the only hosts its commands reach,
// and only for people whose roles grant web access.
export function WebHostsEditor({ editable }: { editable: boolean }) {
  const hosts = useGovernanceSettings().webAllowedHosts;
  const webRoles = useRoles().filter((role) => role.capabilities.includes('web'));
  const save = useSetWebAllowedHosts();
  const form = useForm({
    initialValues: { host: '' },
    validate: { host: (value) => hostProblem(value, hosts) },
    validateInputOnChange: ['host'],
  });
  const webAccess = CAPABILITY_LABELS.web.label;

  return (
    <Stack gap="sm">
      <Text size="sm" data-testid="web-hosts-audience">
        {webRoles.length
          ? `Applies to people whose roles grant ${webAccess}: ${webRoles.map((role) => role.name).join(', ')}.`
          : `Applies to people whose roles grant ${webAccess}; no role grants it yet.`}
      </Text>
      {hosts.length ? (
        <Table aria-label="Web hosts" verticalSpacing={4}>
          <Table.Tbody>
            {hosts.map((host) => (
              <Table.Tr key={host}>
                <Table.Td>
                  <Code>{host}</Code>
                </Table.Td>
                {editable && (
                  <Table.Td w={1}>
                    <RemoveButton
                      label={`Remove ${host}`}
                      title={`Remove ${host}?`}
                      message={`Shell commands stop reaching ${host} once endpoints pull the new policy.`}
                      confirmLabel="Remove host"
                      onConfirm={() =>
                        save.mutate({ hosts: hosts.filter((listed) => listed !== host) })
                      }
                    />
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text size="sm" c="dimmed">
          No web host is allowed: shell commands reach no host on the web
          {editable ? '. Add one below.' : '.'}
        </Text>
      )}
      {editable && (
        <form
          noValidate
          aria-label="Allow a web host"
          onSubmit={form.onSubmit((values) =>
            save.mutate(
              { hosts: [...hosts, normaliseHost(values.host)] },
              { onSuccess: () => form.reset() },
            ),
          )}
        >
          <Group align="flex-start" gap="xs">
            <TextInput
              label="Web host"
              description="A host name, or *.domain for its subdomains; no scheme, port or path"
              placeholder="pypi.org"
              style={{ flex: 1 }}
              {...form.getInputProps('host')}
            />
            <FormRowSubmit inputsHave="description" loading={save.isPending}>
              Allow host
            </FormRowSubmit>
          </Group>
        </form>
      )}
      <ApiError error={save.error} />
    </Stack>
  );
}
