import { Button, Group, SegmentedControl, Stack, TextInput } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { z } from 'zod';
import { ApiError } from '../../../components/ui/api-error';
import { useCreateConnector } from '../hooks/use-connectors';

const connectorSchema = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'Lowercase letters, digits, - and _ (e.g. crm)'),
    transport: z.enum(['stdio', 'streamable_http']),
    command: z.string(),
    url: z.string(),
    version: z.string().trim().min(1, 'The version you reviewed, e.g. 1.4.0'),
  })
  .superRefine((value, context) => {
    if (value.transport === 'stdio' && !value.command.trim()) {
      context.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'The command that starts it',
      });
    }
    if (value.transport === 'streamable_http' && !/^https?:\/\/\S+$/.test(value.url.trim())) {
      context.addIssue({ code: 'custom', path: ['url'], message: 'An http(s) URL' });
    }
  });

export function ConnectorForm({ onCreated }: { onCreated: (id: string) => void }) {
  const createConnector = useCreateConnector();
  const form = useForm({
    initialValues: { name: '', transport: 'stdio', command: '', url: '', version: '' },
    validate: schemaResolver(connectorSchema, { sync: true }),
    validateInputOnChange: true,
  });
  const transport = form.getValues().transport;

  return (
    <form
      noValidate
      aria-label="Add connector"
      onSubmit={form.onSubmit((values) => {
        const [command, ...args] = values.command.trim().split(/\s+/);
        createConnector.mutate(
          {
            input: {
              name: values.name.trim(),
              transport: values.transport as 'stdio' | 'streamable_http',
              version: values.version.trim(),
              ...(values.transport === 'stdio'
                ? { command, args }
                : { url: values.url.trim(), args: [] }),
            },
          },
          { onSuccess: (data) => onCreated(data.createConnector.id) },
        );
      })}
    >
      <Stack gap="sm">
        <Group grow align="flex-start">
          <TextInput label="Name" required placeholder="crm" {...form.getInputProps('name')} />
          <TextInput
            label="Version"
            required
            placeholder="1.0.0"
            {...form.getInputProps('version')}
          />
        </Group>
        <SegmentedControl
          aria-label="Transport"
          data={[
            { value: 'stdio', label: 'Local command (stdio)' },
            { value: 'streamable_http', label: 'Remote (HTTP)' },
          ]}
          {...form.getInputProps('transport')}
        />
        {transport === 'stdio' ? (
          <TextInput
            label="Command"
            required
            placeholder="npx -y @acme/crm-mcp"
            {...form.getInputProps('command')}
          />
        ) : (
          <TextInput
            label="URL"
            required
            placeholder="https://mcp.example.com/mcp"
            {...form.getInputProps('url')}
          />
        )}
        <ApiError error={createConnector.error} />
        <Button type="submit" loading={createConnector.isPending} w="fit-content">
          Add to allow-list
        </Button>
      </Stack>
    </form>
  );
}
