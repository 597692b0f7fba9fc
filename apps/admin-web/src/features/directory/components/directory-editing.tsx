import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import {
  confirmDestructive,
  DestructiveButton,
  RemoveButton,
} from '../../../components/ui/confirm';
import { FormRowSubmit } from '../../../components/ui/form-row-submit';
import type { DirectoryPerson } from '../directory-queries';
import {
  useCreateGroup,
  useCreatePerson,
  useDeleteGroup,
  useDeletePerson,
  useUpdateGroup,
  useUpdatePerson,
} from '../directory-mutations';
import { SubjectPicker, type PickedSubject } from './subject-picker';

const EMAIL = /^[^\s@]+@[^\s@]+$/;
const required = (what: string) => (value: string) => (value.trim() ? null : `Enter ${what}`);
const optionalEmail = (value: string) =>
  !value.trim() || EMAIL.test(value.trim()) ? null : 'Enter an email address, or leave it empty';
const orNull = (value: string) => value.trim() || null;

// What the identity provider manages is changed there: the console says so instead of a form.
export function ManagedByIdentityProvider({ what }: { what: string }) {
  return (
    <Text size="sm" c="dimmed">
      Your identity provider manages this {what} (SCIM): change it there, and Steward follows.
    </Text>
  );
}

// Adds a person the identity provider does not manage (a contractor, a pilot before SSO).
export function AddPerson() {
  const navigate = useNavigate();
  const create = useCreatePerson();
  const form = useForm({
    initialValues: { userName: '', displayName: '', email: '' },
    validate: { userName: required('a user name, usually their email'), email: optionalEmail },
  });
  return (
    <form
      noValidate
      aria-label="Add a person"
      onSubmit={form.onSubmit((values) =>
        create.mutate(
          {
            input: {
              userName: values.userName.trim(),
              displayName: orNull(values.displayName),
              email: orNull(values.email),
            },
          },
          {
            onSuccess: (data) =>
              void navigate({
                to: '/people/$personId',
                params: { personId: data.createDirectoryPerson.id },
              }),
          },
        ),
      )}
    >
      <Stack gap="xs">
        <Group align="flex-start" gap="xs">
          <TextInput
            label="User name"
            placeholder="ana@example.com"
            required
            {...form.getInputProps('userName')}
          />
          <TextInput label="Name" placeholder="Ana Lima" {...form.getInputProps('displayName')} />
          <TextInput label="Email" placeholder="ana@example.com" {...form.getInputProps('email')} />
          <FormRowSubmit loading={create.isPending}>Add person</FormRowSubmit>
        </Group>
        <ApiError error={create.error} title="The person was not added" />
      </Stack>
    </form>
  );
}

export function AddGroup() {
  const navigate = useNavigate();
  const create = useCreateGroup();
  const form = useForm({
    initialValues: { displayName: '' },
    validate: { displayName: required('a group name') },
  });
  return (
    <form
      noValidate
      aria-label="Add a group"
      onSubmit={form.onSubmit((values) =>
        create.mutate(
          { input: { displayName: values.displayName.trim(), memberIds: [] } },
          {
            onSuccess: (data) =>
              void navigate({
                to: '/groups/$groupId',
                params: { groupId: data.createDirectoryGroup.id },
              }),
          },
        ),
      )}
    >
      <Stack gap="xs">
        <Group align="flex-start" gap="xs">
          <TextInput
            aria-label="Group name"
            placeholder="Finance"
            {...form.getInputProps('displayName')}
          />
          <Button type="submit" loading={create.isPending}>
            Add group
          </Button>
        </Group>
        <ApiError error={create.error} title="The group was not added" />
      </Stack>
    </form>
  );
}

// Name and address, access (deactivating revokes it at the endpoints' next pull), deletion.
export function PersonEditor({ person }: { person: DirectoryPerson }) {
  const navigate = useNavigate();
  const update = useUpdatePerson();
  const remove = useDeletePerson();
  const form = useForm({
    initialValues: { displayName: person.displayName ?? '', email: person.emails[0] ?? '' },
    validate: { email: optionalEmail },
  });
  const name = person.displayName ?? person.userName;
  const setActive = (active: boolean) => update.mutate({ id: person.id, input: { active } });
  return (
    <Stack gap="sm">
      <form
        noValidate
        aria-label="Edit person"
        onSubmit={form.onSubmit((values) =>
          update.mutate({
            id: person.id,
            input: { displayName: orNull(values.displayName), email: orNull(values.email) },
          }),
        )}
      >
        <Group align="flex-end" gap="xs">
          <TextInput label="Name" {...form.getInputProps('displayName')} />
          <TextInput label="Email" {...form.getInputProps('email')} />
          <Button type="submit" variant="light" loading={update.isPending}>
            Save
          </Button>
        </Group>
      </form>
      <Group gap="xs">
        {person.active ? (
          <Button
            variant="default"
            onClick={() =>
              confirmDestructive({
                title: `Deactivate ${name}?`,
                message: `${name} loses access to the agent on every endpoint at its next policy pull.`,
                confirmLabel: 'Deactivate',
                onConfirm: () => setActive(false),
              })
            }
          >
            Deactivate
          </Button>
        ) : (
          <Button variant="default" onClick={() => setActive(true)}>
            Activate
          </Button>
        )}
        <DestructiveButton
          variant="light"
          title={`Delete ${name}?`}
          message={`${name} is removed with their role bindings and spend limits; their endpoints lose access.`}
          confirmLabel="Delete person"
          onConfirm={() =>
            remove.mutate({ id: person.id }, { onSuccess: () => void navigate({ to: '/people' }) })
          }
        >
          Delete
        </DestructiveButton>
      </Group>
      <ApiError error={update.error ?? remove.error} title="The person was not changed" />
    </Stack>
  );
}

// Rename, add a member by name, delete. Members are removed from the members table.
export function GroupEditor({ group }: { group: { id: string; displayName: string } }) {
  const navigate = useNavigate();
  const update = useUpdateGroup();
  const remove = useDeleteGroup();
  const [member, setMember] = useState<PickedSubject | null>(null);
  const form = useForm({
    initialValues: { displayName: group.displayName },
    validate: { displayName: required('a group name') },
  });
  return (
    <Stack gap="sm">
      <Group align="flex-end" gap="lg">
        <form
          noValidate
          aria-label="Rename group"
          onSubmit={form.onSubmit((values) =>
            update.mutate({ id: group.id, input: { displayName: values.displayName.trim() } }),
          )}
        >
          <Group align="flex-end" gap="xs">
            <TextInput label="Group name" {...form.getInputProps('displayName')} />
            <Button type="submit" variant="light" loading={update.isPending}>
              Rename
            </Button>
          </Group>
        </form>
        <Group align="flex-end" gap="xs">
          <SubjectPicker
            kind="user"
            label="Add a member"
            withLabel
            value={member}
            onChange={setMember}
            w={280}
          />
          <Button
            variant="light"
            disabled={!member}
            onClick={() =>
              member &&
              update.mutate(
                { id: group.id, input: { addMemberIds: [member.id] } },
                { onSuccess: () => setMember(null) },
              )
            }
          >
            Add member
          </Button>
        </Group>
        <DestructiveButton
          variant="light"
          title={`Delete ${group.displayName}?`}
          message="The group is removed with its role bindings and team budget; its members keep their own."
          confirmLabel="Delete group"
          onConfirm={() =>
            remove.mutate({ id: group.id }, { onSuccess: () => void navigate({ to: '/people' }) })
          }
        >
          Delete group
        </DestructiveButton>
      </Group>
      <ApiError error={update.error ?? remove.error} title="The group was not changed" />
    </Stack>
  );
}

export function RemoveMemberButton({
  groupId,
  person,
}: {
  groupId: string;
  person: { id: string; name: string };
}) {
  const update = useUpdateGroup();
  return (
    <RemoveButton
      label={`Remove ${person.name} from the group`}
      title={`Remove ${person.name}?`}
      message={`${person.name} loses the roles and budget this group gives.`}
      confirmLabel="Remove"
      onConfirm={() => update.mutate({ id: groupId, input: { removeMemberIds: [person.id] } })}
    />
  );
}
