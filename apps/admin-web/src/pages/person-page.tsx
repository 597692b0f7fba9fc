import { Badge, Group, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { ApiError } from '../components/ui/api-error';
import { HeadedTable } from '../components/ui/headed-table';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { Section, SectionsSideBySide } from '../components/ui/section';
import { AuditTrail } from '../features/audit/components/audit-trail';
import { useViewer } from '../features/auth/hooks/use-viewer';
import {
  ManagedByIdentityProvider,
  PersonEditor,
} from '../features/directory/components/directory-editing';
import { RolesHeld, SpendHeld } from '../features/directory/components/holdings';
import { PersonPolicy } from '../features/directory/components/person-policy';
import {
  directoryUserOptions,
  type DirectoryPerson,
} from '../features/directory/directory-queries';
import { useEndpoints } from '../features/endpoints/hooks/use-endpoints';
import { formatRelative } from '../lib/format';
import { canEdit } from '../lib/permissions';

function PersonEndpoints({ personId }: { personId: string }) {
  const endpoints = useEndpoints(personId);
  if (!endpoints.length) {
    return (
      <Text size="sm" c="dimmed">
        No endpoint enrolled for this person.
      </Text>
    );
  }
  return (
    <HeadedTable label="endpoints" head={['Device', 'Policy', 'Last seen']}>
      {endpoints.map((endpoint) => (
        <Table.Tr key={endpoint.id}>
          <Table.Td>
            {endpoint.deviceName} ({endpoint.os})
            {endpoint.revokedAt && (
              <Badge ml={6} size="sm" color="gray" variant="light">
                revoked
              </Badge>
            )}
          </Table.Td>
          <Table.Td>
            {endpoint.reportedVersion
              ? `version ${endpoint.reportedVersion}${endpoint.reportedVerified ? ', verified' : ''}`
              : 'not reported yet'}
          </Table.Td>
          <Table.Td>{formatRelative(endpoint.lastSeenAt)}</Table.Td>
        </Table.Tr>
      ))}
    </HeadedTable>
  );
}

function PersonDetail({ person }: { person: DirectoryPerson }) {
  const viewer = useViewer();
  return (
    <Page
      title={person.displayName ?? person.userName}
      description={`${person.userName} · ${person.source === 'scim' ? 'managed by your identity provider (SCIM)' : 'added in Steward'}`}
    >
      <Group gap="xs">
        <Badge variant="light" color={person.active ? 'green' : 'gray'}>
          {person.active ? 'active' : 'deactivated'}
        </Badge>
        {person.emails.map((email) => (
          <Text key={email} size="sm">
            {email}
          </Text>
        ))}
      </Group>
      {canEdit(viewer) && (
        <Section title="Manage">
          {person.source === 'scim' ? (
            <ManagedByIdentityProvider what="person" />
          ) : (
            <PersonEditor person={person} />
          )}
        </Section>
      )}
      <SectionsSideBySide>
        <Section title="Groups">
          {person.groups.length ? (
            <Group gap="xs">
              {person.groups.map((group) => (
                <TextLink key={group.id} to="/groups/$groupId" params={{ groupId: group.id }}>
                  {group.displayName}
                </TextLink>
              ))}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              In no group.
            </Text>
          )}
        </Section>
        <Section title="Roles" description="Each role and the binding it comes from.">
          <RolesHeld subject={person} />
        </Section>
      </SectionsSideBySide>
      <PersonPolicy person={person} />
      <SectionsSideBySide>
        <Section title="Endpoints">
          <PersonEndpoints personId={person.id} />
        </Section>
        <Section title="Spend against limits" description="Their own limits and their teams’.">
          <SpendHeld subject={person} />
        </Section>
      </SectionsSideBySide>
      <Section title="Recent changes" description="Audit records about this person.">
        <AuditTrail filter={{ resourceId: person.id }} />
      </Section>
    </Page>
  );
}

export function PersonPage() {
  const { personId } = useParams({ strict: false }) as { personId: string };
  const person = useQuery(directoryUserOptions(personId));
  if (person.error) {
    return (
      <Page title="Person" description="Someone from your directory.">
        <ApiError error={person.error} title="This person could not load" />
      </Page>
    );
  }
  return person.data ? <PersonDetail person={person.data} /> : null;
}
