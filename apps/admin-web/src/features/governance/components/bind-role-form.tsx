import { Button, Group, Select } from '@mantine/core';
import { IconEye } from '@tabler/icons-react';
import { useState } from 'react';
import {
  SubjectPicker,
  type PickedSubject,
  type SubjectKind,
} from '../../directory/components/subject-picker';
import type { RoleBindingInput } from '../graphql/roles';

interface BindRoleFormProps {
  binding: boolean;
  // Binds; `done` clears the form once the API has the binding.
  onBind: (binding: RoleBindingInput, done: () => void) => void;
  // The binding to preview, or null when the pick changed since the last preview.
  onPreview: (binding: RoleBindingInput | null) => void;
}

// A group or a person, picked by name, to bind the role to, with a preview of who gains what.
export function BindRoleForm({ binding, onBind, onPreview }: BindRoleFormProps) {
  const [subjectType, setSubjectType] = useState<SubjectKind>('group');
  const [subject, setSubject] = useState<PickedSubject | null>(null);
  const [missing, setMissing] = useState(false);
  const pick = (picked: PickedSubject | null) => {
    setSubject(picked);
    setMissing(false);
    onPreview(null);
  };
  const draft = (): RoleBindingInput | null => {
    if (!subject) setMissing(true);
    return subject && { subjectType, subjectId: subject.id };
  };
  const whom = subjectType === 'group' ? 'a group' : 'a person';

  return (
    <form
      noValidate
      aria-label="Bind role"
      onSubmit={(event) => {
        event.preventDefault();
        const wanted = draft();
        if (wanted) onBind(wanted, () => pick(null));
      }}
    >
      <Group align="flex-start" gap="xs">
        <Select
          aria-label="Bind to"
          data={[
            { value: 'group', label: 'Group' },
            { value: 'user', label: 'Person' },
          ]}
          allowDeselect={false}
          w={120}
          value={subjectType}
          onChange={(value) => {
            setSubjectType(value === 'user' ? 'user' : 'group');
            pick(null);
          }}
        />
        <SubjectPicker
          key={subjectType}
          kind={subjectType}
          label={subjectType === 'group' ? 'Group to bind' : 'Person to bind'}
          value={subject}
          onChange={pick}
          error={missing ? `Pick ${whom} first` : null}
          w={320}
        />
        <Button
          variant="subtle"
          leftSection={<IconEye size={16} aria-hidden />}
          onClick={() => onPreview(draft())}
        >
          Preview
        </Button>
        <Button type="submit" variant="default" loading={binding}>
          Bind
        </Button>
      </Group>
    </form>
  );
}
