import type { DataTableColumn } from 'mantine-datatable';
import { TextLink } from '../../../components/ui/links';
import type { DirectoryPerson } from '../directory-queries';

// The first columns of every list of people: the name, linked to their page, and their emails.
export const PERSON_COLUMNS: DataTableColumn<DirectoryPerson>[] = [
  {
    accessor: 'userName',
    title: 'Person',
    render: (person) => (
      <TextLink to="/people/$personId" params={{ personId: person.id }} size="sm">
        {person.displayName ?? person.userName}
      </TextLink>
    ),
  },
  { accessor: 'emails', title: 'Emails', render: (person) => person.emails.join(', ') },
];
