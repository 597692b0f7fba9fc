import { Button, Group, Stack, Switch, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import type { EndpointSpendSettings } from '../graphql/spend';
import {
  useEndpointSpendSettings,
  useSetEndpointSpendSettings,
} from '../hooks/use-endpoint-spend-settings';

// The API's form of a USD amount; it also enforces upper bounds, whose refusal the form shows.
const DECIMAL_USD = /^\d{1,12}(\.\d{1,6})?$/;

function amountProblem(value: string): string | null {
  const amount = value.trim();
  if (!amount) return 'Enter an amount in USD, e.g. 0.50';
  if (!DECIMAL_USD.test(amount))
    return 'Digits with at most 6 decimals, e.g. 0.50 (no $ or commas)';
  return null;
}

function leaseProblem(value: string): string | null {
  const problem = amountProblem(value);
  if (problem) return problem;
  return Number(value) > 0 ? null : 'More than zero: every model call leases this much first';
}

// The runtime counts a whole lease against the allowance for each offline call, so an allowance
// below one lease would let no call through.
function allowanceProblem(value: string, lease: string): string | null {
  const problem = amountProblem(value);
  if (problem) return problem;
  const allowance = Number(value);
  if (allowance > 0 && !leaseProblem(lease) && allowance < Number(lease)) {
    return `0 for no model calls offline, or at least one lease (${lease.trim()} USD)`;
  }
  return null;
}

function ReadOnlySettings({ settings }: { settings: EndpointSpendSettings }) {
  return (
    <Table aria-label="Endpoint spend settings" verticalSpacing={4} withRowBorders={false}>
      <Table.Tbody>
        <Table.Tr>
          <Table.Th scope="row">Leases</Table.Th>
          <Table.Td>
            {settings.leaseRequired
              ? 'Required before every model call'
              : 'Not required: model calls are not metered'}
          </Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th scope="row">Lease per model call</Table.Th>
          <Table.Td>{settings.maxLeaseUsd} USD</Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Th scope="row">Offline allowance</Table.Th>
          <Table.Td>
            {Number(settings.offlineAllowanceUsd) > 0
              ? `${settings.offlineAllowanceUsd} USD per bundle version`
              : 'None: no model calls without the control plane'}
          </Table.Td>
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
}

// What every endpoint of the organization does before a model call, signed into its bundle.
export function EndpointSpendForm({ editable }: { editable: boolean }) {
  const settings = useEndpointSpendSettings();
  const save = useSetEndpointSpendSettings();
  const form = useForm({
    initialValues: settings,
    validate: {
      maxLeaseUsd: leaseProblem,
      offlineAllowanceUsd: (value, values) => allowanceProblem(value, values.maxLeaseUsd),
    },
    validateInputOnChange: true,
  });
  // Whether the allowance holds a whole lease depends on the lease too.
  form.watch('maxLeaseUsd', () => form.validateField('offlineAllowanceUsd'));

  if (!editable) return <ReadOnlySettings settings={settings} />;
  return (
    <form
      noValidate
      aria-label="Endpoint spend settings"
      onSubmit={form.onSubmit((values) =>
        save.mutate(
          {
            input: {
              leaseRequired: values.leaseRequired,
              maxLeaseUsd: values.maxLeaseUsd.trim(),
              offlineAllowanceUsd: values.offlineAllowanceUsd.trim(),
            },
          },
          // The API's canonical amounts (0.50 becomes 0.5) are what the bundle carries.
          { onSuccess: (data) => form.setValues(data.setEndpointSpendSettings) },
        ),
      )}
    >
      <Stack gap="sm">
        <Switch
          label="Require a lease before every model call"
          description="Off: endpoints call models without asking, and no spend limit stops them"
          {...form.getInputProps('leaseRequired', { type: 'checkbox' })}
        />
        <Group align="flex-start" gap="xs">
          <TextInput
            label="Lease per model call (USD)"
            description="Reserved before each call; what the call does not cost goes back"
            w={280}
            {...form.getInputProps('maxLeaseUsd')}
          />
          <TextInput
            label="Offline allowance (USD)"
            description="Spendable per bundle version while the control plane is unreachable"
            w={280}
            {...form.getInputProps('offlineAllowanceUsd')}
          />
        </Group>
        <Text size="xs" c="dimmed">
          Endpoints get changes with their next bundle.
        </Text>
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
            Save spend settings
          </Button>
        </Group>
        <ApiError error={save.error} />
      </Stack>
    </form>
  );
}
