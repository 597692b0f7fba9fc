import {
  Button,
  Code,
  Group,
  PasswordInput,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { RemoveFormRowButton } from '../../../components/ui/form-row-remove';
import { ApiError } from '../../../components/ui/api-error';
import { DestructiveButton } from '../../../components/ui/confirm';
import { formatDateTime } from '../../../lib/format';
import type { TelemetryCollector } from '../graphql/settings';
import {
  useRemoveTelemetryCollector,
  useSetTelemetryCollector,
  useTelemetryCollector,
} from '../hooks/use-settings';

type Redaction = 'keep' | 'hash' | 'drop';

const REDACTIONS = [
  { value: 'keep', label: 'Keep' },
  { value: 'hash', label: 'Hash' },
  { value: 'drop', label: 'Drop' },
];

const REDACTED_FIELDS = [
  { key: 'redactPrompts', label: 'Task and plan text' },
  { key: 'redactCommands', label: 'Tool parameters and commands' },
  { key: 'redactPaths', label: 'File and folder paths' },
] as const;

// The API's rules (an HTTP token, not one that would break the OTLP request), as the admin types.
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding']);

function endpointError(value: string): string | null {
  try {
    const url = new URL(value.trim());
    if (url.protocol === 'https:' || url.protocol === 'http:') return null;
  } catch {
    // Falls through to the message below.
  }
  return 'An absolute http(s) URL, e.g. https://collector.example.com:4318/v1/logs';
}

function useCollectorForm(collector: TelemetryCollector | null) {
  return useForm({
    initialValues: {
      endpoint: collector?.endpoint ?? '',
      enabled: collector?.enabled ?? true,
      headers: [] as { name: string; value: string }[],
      redactPrompts: (collector?.redactPrompts ?? 'drop') as Redaction,
      redactCommands: (collector?.redactCommands ?? 'hash') as Redaction,
      redactPaths: (collector?.redactPaths ?? 'hash') as Redaction,
    },
    validate: {
      endpoint: endpointError,
      headers: {
        name: (value) =>
          !HEADER_NAME.test(value.trim())
            ? 'A header name, e.g. Authorization'
            : RESERVED_HEADERS.has(value.trim().toLowerCase())
              ? 'Steward sets this header itself'
              : null,
        value: (value) => (value ? null : 'Enter its value'),
      },
    },
    validateInputOnChange: true,
  });
}

type CollectorFormState = ReturnType<typeof useCollectorForm>;

// Header values are secrets: the API never sends them back, so each save lists them all again.
function HeaderFields({
  form,
  headerNames,
}: {
  form: CollectorFormState;
  headerNames: readonly string[];
}) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        Headers
      </Text>
      <Text size="xs" c="dimmed">
        Sent with every export, e.g. an API key. Values are never shown again, so saving sends only
        the headers listed here
        {headerNames.length
          ? `: enter ${headerNames.join(', ')} again to keep ${headerNames.length > 1 ? 'them' : 'it'}.`
          : '.'}
      </Text>
      {form.values.headers.map((_, index) => (
        <Group key={index} align="flex-start" gap="xs">
          <TextInput
            aria-label={`Header ${index + 1} name`}
            placeholder="Authorization"
            w={240}
            {...form.getInputProps(`headers.${index}.name`)}
          />
          <PasswordInput
            aria-label={`Header ${index + 1} value`}
            placeholder="Bearer …"
            style={{ flex: 1 }}
            {...form.getInputProps(`headers.${index}.value`)}
          />
          <RemoveFormRowButton
            label={`Remove header ${index + 1}`}
            onRemove={() => form.removeListItem('headers', index)}
          />
        </Group>
      ))}
      <Group>
        <Button
          variant="light"
          size="xs"
          leftSection={<IconPlus size={14} aria-hidden />}
          onClick={() => form.insertListItem('headers', { name: '', value: '' })}
        >
          Add header
        </Button>
      </Group>
    </Stack>
  );
}

function RedactionFields({ form }: { form: CollectorFormState }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        Redaction before events leave Steward
      </Text>
      {REDACTED_FIELDS.map((field) => (
        <Group key={field.key} justify="space-between" maw={560}>
          <Text size="sm" id={`redaction-${field.key}`}>
            {field.label}
          </Text>
          <SegmentedControl
            aria-labelledby={`redaction-${field.key}`}
            data={REDACTIONS}
            {...form.getInputProps(field.key)}
          />
        </Group>
      ))}
      <Text size="xs" c="dimmed">
        Hash keeps equal values comparable without revealing them; drop removes the field.
      </Text>
    </Stack>
  );
}

function CollectorForm({ collector }: { collector: TelemetryCollector | null }) {
  const save = useSetTelemetryCollector();
  const remove = useRemoveTelemetryCollector();
  const form = useCollectorForm(collector);

  return (
    <form
      noValidate
      aria-label="OpenTelemetry export"
      onSubmit={form.onSubmit((values) =>
        save.mutate(
          {
            input: {
              ...values,
              endpoint: values.endpoint.trim(),
              headers: values.headers.map((h) => ({ name: h.name.trim(), value: h.value })),
            },
          },
          { onSuccess: () => form.setFieldValue('headers', []) },
        ),
      )}
    >
      <Stack gap="sm">
        <Group align="flex-end" gap="md">
          <TextInput
            label="Collector URL (OTLP/HTTP logs)"
            placeholder="https://collector.example.com:4318/v1/logs"
            required
            style={{ flex: 1 }}
            {...form.getInputProps('endpoint')}
          />
          <Switch
            label="Forward events"
            mb={8}
            {...form.getInputProps('enabled', { type: 'checkbox' })}
          />
        </Group>
        <HeaderFields form={form} headerNames={collector?.headerNames ?? []} />
        <RedactionFields form={form} />
        <ApiError error={save.error ?? remove.error} />
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save export
          </Button>
          {collector && (
            <DestructiveButton
              title="Stop forwarding agent events?"
              message="Your collector receives no more events from Steward, and its URL and headers are deleted."
              confirmLabel="Stop forwarding"
              onConfirm={() => remove.mutate({})}
            >
              Stop forwarding
            </DestructiveButton>
          )}
        </Group>
      </Stack>
    </form>
  );
}

// Owners and admins configure where agent events are exported and what is redacted first.
export function TelemetryExport({ editable }: { editable: boolean }) {
  const collector = useTelemetryCollector(editable);
  if (!editable) {
    return (
      <Text size="sm" c="dimmed">
        Only owners and admins see and change the OpenTelemetry export.
      </Text>
    );
  }
  if (collector.isPending) return null;
  const config = collector.data ?? null;
  return (
    <Stack gap="sm">
      <ApiError error={collector.error} />
      <Text size="sm" data-testid="telemetry-status">
        {config ? (
          <>
            Forwarding to <Code>{config.endpoint}</Code> ({config.enabled ? 'on' : 'paused'}) ·
            headers: {config.headerNames.join(', ') || 'none'} · prompts {config.redactPrompts},
            commands {config.redactCommands}, paths {config.redactPaths} · updated{' '}
            {formatDateTime(config.updatedAt)}
          </>
        ) : (
          'Not forwarding. Agent events can go to your OpenTelemetry collector, with prompts, commands and paths redacted first.'
        )}
      </Text>
      <CollectorForm key={config?.updatedAt ?? 'new'} collector={config} />
    </Stack>
  );
}
