import { Group, Select, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { connectorsQueryOptions } from '../../connectors/hooks/use-connectors';
import { SubjectPicker, type PickedSubject } from '../../directory/components/subject-picker';
import { rolesQueryOptions } from '../../governance/hooks/use-roles';
import { ACTION_FILTERS, ACTOR_KINDS } from '../audit-words';
import type { AuditFilter } from '../graphql/audit';
import { adminsQueryOptions } from '../hooks/use-audit-names';

type ObjectKind = 'role' | 'connector' | 'user' | 'group';

const OBJECT_KIND_OPTIONS = [
  { value: 'role', label: 'A role' },
  { value: 'connector', label: 'A connector' },
  { value: 'group', label: 'A group' },
  { value: 'user', label: 'A person' },
];

// Local calendar days; `to` includes its whole day.
function dayStart(day: string, plusDays = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d! + plusDays).toISOString();
}

// Admins by name first, then the other kinds of actor.
function useActorOptions() {
  const admins = useQuery(adminsQueryOptions);
  return [
    {
      group: 'Admins',
      items: (admins.data ?? []).map((admin) => ({
        value: `admin:${admin.id}`,
        label: admin.name ? `${admin.name} (${admin.email})` : admin.email,
      })),
    },
    {
      group: 'Others',
      items: Object.entries(ACTOR_KINDS).map(([value, label]) => ({
        value,
        label: value === 'admin' ? 'Any admin' : label,
      })),
    },
  ];
}

function useObjectChoices(kind: ObjectKind | null) {
  const roles = useQuery({ ...rolesQueryOptions, enabled: kind === 'role' });
  const connectors = useQuery({ ...connectorsQueryOptions, enabled: kind === 'connector' });
  return kind === 'role'
    ? (roles.data ?? []).map((role) => ({ value: role.id, label: role.name }))
    : (connectors.data ?? []).map((c) => ({ value: c.id, label: c.name }));
}

// The one object of the kind picked: a role or connector from its list, a person or group by search.
function ObjectChoice({
  kind,
  objectId,
  onObjectId,
  subject,
  onSubject,
}: {
  kind: ObjectKind | null;
  objectId: string | null;
  onObjectId: (id: string | null) => void;
  subject: PickedSubject | null;
  onSubject: (subject: PickedSubject | null) => void;
}) {
  const objectChoices = useObjectChoices(kind);
  return (
    <>
      {(kind === 'role' || kind === 'connector') && (
        <Select
          label={kind === 'role' ? 'Which role' : 'Which connector'}
          placeholder="Any"
          searchable
          clearable
          data={objectChoices}
          value={objectId}
          onChange={onObjectId}
          w={220}
        />
      )}
      {(kind === 'user' || kind === 'group') && (
        <SubjectPicker
          key={kind}
          kind={kind}
          label={kind === 'group' ? 'Which group' : 'Which person'}
          withLabel
          value={subject}
          onChange={onSubject}
          w={240}
        />
      )}
    </>
  );
}

// Who, what, which object and when, each picked by name; the server filters.
export function useAuditFilters() {
  const actorOptions = useActorOptions();
  const [action, setAction] = useState<string | null>(null);
  const [actor, setActor] = useState<string | null>(null);
  const [objectKind, setObjectKind] = useState<ObjectKind | null>(null);
  const [objectId, setObjectId] = useState<string | null>(null);
  const [subject, setSubject] = useState<PickedSubject | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');

  const [actorType, actorId] = actor?.split(':') ?? [];
  const resourceId = objectKind === 'user' || objectKind === 'group' ? subject?.id : objectId;
  const filter: AuditFilter = {
    ...(action ? { action } : {}),
    ...(actorType ? { actorType } : {}),
    ...(actorId ? { actorId } : {}),
    ...(objectKind ? { resourceType: objectKind } : {}),
    ...(objectKind && resourceId ? { resourceId } : {}),
    ...(dayStart(from) ? { from: dayStart(from) } : {}),
    ...(dayStart(to, 1) ? { to: dayStart(to, 1) } : {}),
  };

  const controls = (
    <Group gap="xs" align="flex-end">
      <Select
        label="Who"
        placeholder="Anyone"
        searchable
        clearable
        data={actorOptions}
        value={actor}
        onChange={setActor}
        w={260}
      />
      <Select
        label="What"
        placeholder="Any change"
        searchable
        clearable
        data={ACTION_FILTERS}
        value={action}
        onChange={setAction}
        w={260}
      />
      <Select
        label="Object"
        placeholder="Anything"
        clearable
        data={OBJECT_KIND_OPTIONS}
        value={objectKind}
        onChange={(value) => {
          setObjectKind(value as ObjectKind | null);
          setObjectId(null);
          setSubject(null);
        }}
        w={150}
      />
      <ObjectChoice
        kind={objectKind}
        objectId={objectId}
        onObjectId={setObjectId}
        subject={subject}
        onSubject={setSubject}
      />
      <TextInput
        type="date"
        label="From"
        value={from}
        onChange={(e) => setFrom(e.currentTarget.value)}
      />
      <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
    </Group>
  );
  return { filter, controls };
}
