import { Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch, IconUsersGroup } from '@tabler/icons-react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../components/ui/api-error';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import {
  directoryGroupsOptions,
  directoryUsersOptions,
  ExplainCapabilityQuery,
  ExplainToolQuery,
  PAGE_SIZE,
  type DirectoryPerson,
} from '../features/directory/directory-queries';
import { CAPABILITIES, CAPABILITY_LABELS } from '../features/governance/capabilities';
import { request } from '../lib/graphql-client';
import { queryKeys } from '../lib/query-keys';

const DECISION_COLORS: Record<string, string> = { allow: 'green', ask: 'yellow', deny: 'red' };

function SearchBox({ label, onChange }: { label: string; onChange: (value: string) => void }) {
  return (
    <TextInput
      aria-label={label}
      placeholder={`${label}…`}
      leftSection={<IconSearch size={16} aria-hidden />}
      onChange={(event) => onChange(event.currentTarget.value)}
      maw={360}
    />
  );
}

function SourceBadge({ source }: { source: string }) {
  return (
    <Badge variant="light" color={source === 'scim' ? 'blue' : 'gray'}>
      {source === 'scim' ? 'SCIM' : 'API'}
    </Badge>
  );
}

function DecisionBadge({ decision }: { decision: string }) {
  return (
    <Badge variant="light" color={DECISION_COLORS[decision] ?? 'gray'}>
      {decision}
    </Badge>
  );
}

// A server-side search and its page: a new search starts again from the first page.
function usePagedSearch() {
  const [typed, setTyped] = useState('');
  const [debounced] = useDebouncedValue(typed, 250);
  const [page, setPage] = useState(1);
  const onSearch = (value: string) => {
    setTyped(value);
    setPage(1);
  };
  return { search: debounced.trim(), page, setPage, onSearch };
}

function PeopleTable({ onSelect }: { onSelect: (person: DirectoryPerson) => void }) {
  const { search, page, setPage, onSearch } = usePagedSearch();
  const people = useQuery(directoryUsersOptions(search, page));
  return (
    <Section title="People" description="Select a person to see their effective policy.">
      <SearchBox label="Search people" onChange={onSearch} />
      <ApiError error={people.error} title="Could not load people" />
      <DataTable
        aria-label="people"
        withTableBorder
        highlightOnHover
        minHeight={people.data?.total ? undefined : 160}
        fetching={people.isFetching}
        records={people.data?.items ?? []}
        totalRecords={people.data?.total ?? 0}
        recordsPerPage={PAGE_SIZE}
        page={page}
        onPageChange={setPage}
        onRowClick={({ record }) => onSelect(record)}
        noRecordsText={search ? 'Nobody matches this search' : 'No people yet'}
        columns={[
          {
            accessor: 'userName',
            title: 'Person',
            render: (person) => (
              <Button variant="subtle" size="compact-sm" onClick={() => onSelect(person)}>
                {person.displayName ?? person.userName}
              </Button>
            ),
          },
          { accessor: 'emails', title: 'Emails', render: (person) => person.emails.join(', ') },
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

function GroupsTable() {
  const { search, page, setPage, onSearch } = usePagedSearch();
  const groups = useQuery(directoryGroupsOptions(search, page));
  return (
    <Section title="Groups" description="Bind roles to these groups on the Roles screen.">
      <SearchBox label="Search groups" onChange={onSearch} />
      <ApiError error={groups.error} title="Could not load groups" />
      <DataTable
        aria-label="groups"
        withTableBorder
        minHeight={groups.data?.total ? undefined : 160}
        fetching={groups.isFetching}
        records={groups.data?.items ?? []}
        totalRecords={groups.data?.total ?? 0}
        recordsPerPage={PAGE_SIZE}
        page={page}
        onPageChange={setPage}
        noRecordsText={search ? 'No group matches this search' : 'No groups yet'}
        columns={[
          { accessor: 'displayName', title: 'Group' },
          { accessor: 'id', title: 'ID', render: (group) => <Text size="xs">{group.id}</Text> },
          { accessor: 'memberCount', title: 'Members' },
          { accessor: 'source', title: 'Source', render: (g) => <SourceBadge source={g.source} /> },
        ]}
      />
    </Section>
  );
}

function ToolExplanation({
  userId,
  connector,
  tool,
}: {
  userId: string;
  connector: string;
  tool: string;
}) {
  const explained = useQuery({
    queryKey: queryKeys.explainTool(userId, connector, tool),
    queryFn: async () => (await request(ExplainToolQuery, { userId, connector, tool })).explainTool,
  });
  if (explained.error) return <ApiError error={explained.error} />;
  if (!explained.data) return null;
  return (
    <Group gap="xs" data-testid="tool-explanation">
      <DecisionBadge decision={explained.data.decision} />
      <Text size="sm">{explained.data.explanation}</Text>
    </Group>
  );
}

function ToolExplainer({ userId }: { userId: string }) {
  const [asked, setAsked] = useState<{ connector: string; tool: string } | null>(null);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setAsked({ connector: String(form.get('connector')), tool: String(form.get('tool')) });
  };
  return (
    <Stack gap="xs">
      <form onSubmit={submit}>
        <Group align="flex-end">
          <TextInput name="connector" label="Connector" required placeholder="crm" />
          <TextInput name="tool" label="Tool" required placeholder="delete_contact" />
          <Button type="submit" variant="default">
            Explain tool
          </Button>
        </Group>
      </form>
      {asked && <ToolExplanation userId={userId} {...asked} />}
    </Stack>
  );
}

// The policy the endpoint enforces for this person, each capability with the rule that decides it.
function PersonPolicy({ person }: { person: DirectoryPerson }) {
  const capabilities = useQueries({
    queries: CAPABILITIES.map((capability) => ({
      queryKey: queryKeys.explainCapability(person.id, capability),
      queryFn: async () =>
        (await request(ExplainCapabilityQuery, { userId: person.id, capability }))
          .explainCapability,
    })),
  });
  return (
    <Section
      title={`Effective policy: ${person.displayName ?? person.userName}`}
      description="What this person's agent may do, and which role and group decide it."
    >
      <ApiError error={capabilities.find((result) => result.error)?.error} />
      <Table aria-label="effective capabilities" verticalSpacing={4}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Capability</Table.Th>
            <Table.Th>Decision</Table.Th>
            <Table.Th>Why</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {CAPABILITIES.map((capability, index) => {
            const result = capabilities[index].data;
            return (
              <Table.Tr key={capability}>
                <Table.Td>{CAPABILITY_LABELS[capability].label}</Table.Td>
                <Table.Td>{result && <DecisionBadge decision={result.decision} />}</Table.Td>
                <Table.Td>
                  <Text size="sm">{result?.explanation ?? '…'}</Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <ToolExplainer key={person.id} userId={person.id} />
    </Section>
  );
}

export function PeoplePage() {
  const [selected, setSelected] = useState<DirectoryPerson | null>(null);
  const anyone = useQuery(directoryUsersOptions('', 1));
  return (
    <Page
      title="People & groups"
      description="Everyone who may use the agent, as your identity provider describes them."
    >
      {anyone.data?.total === 0 ? (
        <EmptyState
          icon={<IconUsersGroup size={26} />}
          title="No people or groups yet"
          nextStep={
            <>
              create a SCIM token in <TextLink to="/settings">Settings</TextLink> and point your
              IdP&apos;s provisioning (Okta, Entra ID, …) at Steward.
            </>
          }
        >
          Users and groups arrive from your identity provider by SCIM. Deactivated people lose
          access at their next policy pull.
        </EmptyState>
      ) : (
        <Stack gap="lg">
          <PeopleTable onSelect={setSelected} />
          {selected && <PersonPolicy person={selected} />}
          <GroupsTable />
        </Stack>
      )}
    </Page>
  );
}
