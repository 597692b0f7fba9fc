import { Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQueries, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../components/ui/api-error';
import { HeadedTable } from '../../../components/ui/headed-table';
import { Section } from '../../../components/ui/section';
import { CAPABILITIES, CAPABILITY_LABELS } from '../../governance/capabilities';
import {
  explainCapabilityOptions,
  explainToolOptions,
  type DirectoryPerson,
} from '../directory-queries';

const DECISION_COLORS: Record<string, string> = { allow: 'green', ask: 'yellow', deny: 'red' };

function DecisionBadge({ decision }: { decision: string }) {
  return (
    <Badge variant="light" color={DECISION_COLORS[decision] ?? 'gray'}>
      {decision}
    </Badge>
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
  const explained = useQuery(explainToolOptions(userId, connector, tool));
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
export function PersonPolicy({
  person,
}: {
  person: Pick<DirectoryPerson, 'id' | 'displayName' | 'userName'>;
}) {
  const capabilities = useQueries({
    queries: CAPABILITIES.map((capability) => explainCapabilityOptions(person.id, capability)),
  });
  return (
    <Section
      title={`Effective policy: ${person.displayName ?? person.userName}`}
      description="What this person's agent may do, and which role and group decide it."
    >
      <ApiError error={capabilities.find((result) => result.error)?.error} />
      <HeadedTable label="effective capabilities" head={['Capability', 'Decision', 'Why']}>
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
      </HeadedTable>
      <ToolExplainer key={person.id} userId={person.id} />
    </Section>
  );
}
