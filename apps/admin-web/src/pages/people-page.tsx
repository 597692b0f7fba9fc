import { Badge, Stack } from '@mantine/core';
import { IconUsersGroup } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { PagedSearchTable, usePagedSearch } from '../components/ui/paged-search';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { AddGroup, AddPerson } from '../features/directory/components/directory-editing';
import { PERSON_COLUMNS } from '../features/directory/components/person-columns';
import {
  directoryGroupsOptions,
  directoryUsersOptions,
} from '../features/directory/directory-queries';
import { canEdit } from '../lib/permissions';

function SourceBadge({ source }: { source: string }) {
  return (
    <Badge variant="light" color={source === 'scim' ? 'blue' : 'gray'}>
      {source === 'scim' ? 'SCIM' : 'API'}
    </Badge>
  );
}

function PeopleTable({ editable }: { editable: boolean }) {
  const navigate = useNavigate();
  const paged = usePagedSearch();
  const people = useQuery(directoryUsersOptions(paged.search, paged.page));
  return (
    <Section
      title="People"
      description="Open a person to see their roles, effective policy, endpoints and spend."
    >
      {editable && <AddPerson />}
      <PagedSearchTable
        label="people"
        errorTitle="Could not load people"
        paged={paged}
        result={people}
        onRowClick={(person) =>
          void navigate({ to: '/people/$personId', params: { personId: person.id } })
        }
        noRecordsText={paged.search ? 'Nobody matches this search' : 'No people yet'}
        columns={[
          ...PERSON_COLUMNS,
          {
            accessor: 'groups',
            title: 'Groups',
            render: (person) => person.groups.map((group) => group.displayName).join(', '),
          },
          { accessor: 'source', title: 'Source', render: (p) => <SourceBadge source={p.source} /> },
          {
            accessor: 'active',
            title: 'Status',
            render: (person) =>
              person.active ? (
                <Badge variant="light" color="green">
                  active
                </Badge>
              ) : (
                <Badge variant="light" color="gray">
                  deactivated
                </Badge>
              ),
          },
        ]}
      />
    </Section>
  );
}

function GroupsTable({ editable }: { editable: boolean }) {
  const paged = usePagedSearch();
  const groups = useQuery(directoryGroupsOptions(paged.search, paged.page));
  return (
    <Section title="Groups" description="Bind roles to these groups on the Roles screen.">
      {editable && <AddGroup />}
      <PagedSearchTable
        label="groups"
        errorTitle="Could not load groups"
        paged={paged}
        result={groups}
        noRecordsText={paged.search ? 'No group matches this search' : 'No groups yet'}
        columns={[
          {
            accessor: 'displayName',
            title: 'Group',
            render: (group) => (
              <TextLink to="/groups/$groupId" params={{ groupId: group.id }} size="sm">
                {group.displayName}
              </TextLink>
            ),
          },
          { accessor: 'memberCount', title: 'Members' },
          { accessor: 'source', title: 'Source', render: (g) => <SourceBadge source={g.source} /> },
        ]}
      />
    </Section>
  );
}

export function PeoplePage() {
  const anyone = useQuery(directoryUsersOptions('', 1));
  const editable = canEdit(useViewer());
  return (
    <Page
      title="People & groups"
      description="Everyone who may use the agent: from your identity provider by SCIM, or added here."
    >
      {anyone.data?.total === 0 && (
        <EmptyState
          icon={<IconUsersGroup size={26} />}
          title="No people or groups yet"
          nextStep={
            <>
              create a SCIM token on <TextLink to="/provisioning">Provisioning</TextLink> and point
              your IdP&apos;s provisioning (Okta, Entra ID, …) at Steward
              {editable ? ', or add people and groups below' : ''}.
            </>
          }
        >
          People and groups arrive from your identity provider by SCIM; without one, add them here.
          Deactivated people lose access at their next policy pull.
        </EmptyState>
      )}
      <Stack gap="lg">
        <PeopleTable editable={editable} />
        <GroupsTable editable={editable} />
      </Stack>
    </Page>
  );
}
