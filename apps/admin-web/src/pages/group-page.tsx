import { Badge } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { ApiError } from '../components/ui/api-error';
import { Page } from '../components/ui/page';
import { PagedSearchTable, usePagedSearch } from '../components/ui/paged-search';
import { Section, SectionsSideBySide } from '../components/ui/section';
import { canEdit } from '../lib/permissions';
import { AuditTrail } from '../features/audit/components/audit-trail';
import { useViewer } from '../features/auth/hooks/use-viewer';
import {
  GroupEditor,
  ManagedByIdentityProvider,
  RemoveMemberButton,
} from '../features/directory/components/directory-editing';
import { RolesHeld, SpendHeld } from '../features/directory/components/holdings';
import { PERSON_COLUMNS } from '../features/directory/components/person-columns';
import {
  directoryGroupOptions,
  directoryUsersOptions,
  type DirectoryPerson,
} from '../features/directory/directory-queries';

// With `editable`, each member has a remove button.
function Members({ groupId, editable }: { groupId: string; editable: boolean }) {
  const paged = usePagedSearch();
  const members = useQuery(directoryUsersOptions(paged.search, paged.page, groupId));
  return (
    <PagedSearchTable
      label="members"
      errorTitle="Could not load the members"
      paged={paged}
      result={members}
      minHeight={120}
      noRecordsText={paged.search ? 'No member matches this search' : 'No members'}
      columns={[
        ...PERSON_COLUMNS,
        {
          accessor: 'active',
          title: 'Status',
          render: (person) => (person.active ? 'active' : 'deactivated'),
        },
        ...(editable
          ? [
              {
                accessor: 'id',
                title: '',
                textAlign: 'right' as const,
                render: (person: DirectoryPerson) => (
                  <RemoveMemberButton
                    groupId={groupId}
                    person={{ id: person.id, name: person.displayName ?? person.userName }}
                  />
                ),
              },
            ]
          : []),
      ]}
    />
  );
}

export function GroupPage() {
  const { groupId } = useParams({ strict: false }) as { groupId: string };
  const group = useQuery(directoryGroupOptions(groupId));
  const viewer = useViewer();
  if (group.error) {
    return (
      <Page title="Group" description="A team from your directory.">
        <ApiError error={group.error} title="This group could not load" />
      </Page>
    );
  }
  if (!group.data) return null;
  const subject = { id: group.data.id, groups: [] };
  return (
    <Page
      title={group.data.displayName}
      description={`${group.data.memberCount} ${group.data.memberCount === 1 ? 'member' : 'members'} · ${group.data.source === 'scim' ? 'managed by your identity provider (SCIM)' : 'added in Steward'}`}
    >
      <Badge variant="light" w="fit-content">
        {group.data.source === 'scim' ? 'SCIM' : 'Steward'}
      </Badge>
      {canEdit(viewer) && (
        <Section title="Manage">
          {group.data.source === 'scim' ? (
            <ManagedByIdentityProvider what="group" />
          ) : (
            <GroupEditor group={group.data} />
          )}
        </Section>
      )}
      <Section title="Members">
        <Members
          groupId={group.data.id}
          editable={canEdit(viewer) && group.data.source !== 'scim'}
        />
      </Section>
      <SectionsSideBySide>
        <Section title="Roles" description="Roles bound to this group reach every member.">
          <RolesHeld subject={subject} />
        </Section>
        <Section title="Team budget">
          <SpendHeld subject={subject} />
        </Section>
      </SectionsSideBySide>
      <Section title="Recent changes" description="Audit records about this group.">
        <AuditTrail filter={{ resourceId: group.data.id }} />
      </Section>
    </Page>
  );
}
