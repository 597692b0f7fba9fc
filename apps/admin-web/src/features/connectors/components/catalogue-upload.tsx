import { Button, Group, Stack, Text, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import type { Connector } from '../graphql/connectors';
import { useImportConnectorTools, useUploadConnectorTools } from '../hooks/use-connectors';

function jsonError(value: string): string | null {
  if (!value.trim()) return 'Paste the server’s tools/list result';
  try {
    JSON.parse(value);
    return null;
  } catch {
    return 'This is not valid JSON';
  }
}

// Two ways to learn a connector's tools: ask the server (the API connects to it, where it may), or
// paste the tools/list result.
export function CatalogueUpload({
  connector,
  readOnly,
}: {
  connector: Connector;
  readOnly: boolean;
}) {
  const upload = useUploadConnectorTools();
  const importTools = useImportConnectorTools();
  const form = useForm({
    initialValues: { catalogue: '' },
    validate: { catalogue: jsonError },
    validateInputOnChange: true,
  });
  if (readOnly) return null;
  const result = upload.data?.uploadConnectorTools ?? importTools.data?.importConnectorTools;

  return (
    <form
      noValidate
      aria-label="Import tools"
      onSubmit={form.onSubmit((values) =>
        upload.mutate(
          { id: connector.id, catalogue: values.catalogue },
          { onSuccess: () => form.reset() },
        ),
      )}
    >
      <Stack gap="xs">
        <Textarea
          label="Tool catalogue (JSON)"
          description='The result of tools/list: {"tools": [...]} or [...]'
          autosize
          minRows={3}
          maxRows={10}
          ff="monospace"
          {...form.getInputProps('catalogue')}
        />
        <Group gap="xs">
          <Button type="submit" variant="default" loading={upload.isPending}>
            Import pasted catalogue
          </Button>
          {connector.serverImport && (
            <Button
              variant="subtle"
              loading={importTools.isPending}
              onClick={() => importTools.mutate({ id: connector.id })}
            >
              Ask the server for its tools
            </Button>
          )}
        </Group>
        {!connector.serverImport && (
          <Text size="xs" c="dimmed">
            Steward does not run stdio connector commands on its server: run tools/list where the
            connector runs and paste the result.
          </Text>
        )}
        {result && (
          <Text size="sm" role="status">
            {result.added.length} added, {result.changed.length} changed, {result.removed.length}{' '}
            removed.
          </Text>
        )}
        <ApiError error={upload.error ?? importTools.error} />
      </Stack>
    </form>
  );
}
