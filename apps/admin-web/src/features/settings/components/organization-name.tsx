import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { ApiError } from '../../../components/ui/api-error';
import { graphql } from '../../../lib/graphql';
import { useApiMutation } from '../../../lib/mutation';
import { queryKeys } from '../../../lib/query-keys';
import type { Viewer } from '../../auth/graphql/viewer';

const RenameOrganizationMutation = graphql(`
  mutation RenameOrganization($name: String!) {
    renameOrganization(name: $name) {
      id
      name
    }
  }
`);

// The name every admin sees in the console's header; owners change it. The slug stays, so sign-in
// links and SCIM URLs keep working.
export function OrganizationName({
  organization,
  editable,
}: {
  organization: Viewer['organization'];
  editable: boolean;
}) {
  const rename = useApiMutation(RenameOrganizationMutation, {
    invalidates: [queryKeys.viewer],
    success: 'Organization renamed',
  });
  const form = useForm({
    initialValues: { name: organization.name },
    validate: { name: (value) => (value.trim() ? null : 'Enter a name') },
  });
  return (
    <Stack gap="xs">
      {editable ? (
        <form
          noValidate
          aria-label="Rename organization"
          onSubmit={form.onSubmit((values) => rename.mutate({ name: values.name.trim() }))}
        >
          <Group align="flex-start" gap="xs">
            <TextInput
              aria-label="Organization name"
              maw={360}
              style={{ flex: 1 }}
              {...form.getInputProps('name')}
            />
            <Button type="submit" variant="light" loading={rename.isPending}>
              Rename
            </Button>
          </Group>
        </form>
      ) : (
        <Text size="sm">{organization.name}</Text>
      )}
      <Text size="sm" c="dimmed">
        Identifier in sign-in and SCIM addresses: {organization.slug} (does not change).
      </Text>
      <ApiError error={rename.error} title="The organization was not renamed" />
    </Stack>
  );
}
