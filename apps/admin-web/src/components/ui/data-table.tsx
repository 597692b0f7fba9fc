import { Button, Stack, TextInput, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import {
  DataTable as MantineDataTable,
  type DataTableColumn,
  type DataTableSortStatus,
} from 'mantine-datatable';
import { useMemo, useState, type ReactNode } from 'react';

interface DataTableProps<T> {
  label: string;
  records: readonly T[];
  columns: DataTableColumn<T>[];
  idAccessor: keyof T & string;
  // The text each record is searched by; no search box without it.
  searchText?: (record: T) => string;
  initialSort?: DataTableSortStatus<T>;
  emptyText: string;
  pageSize?: number;
}

function compare(a: unknown, b: unknown): number {
  if (a == null) return b == null ? 0 : 1;
  if (b == null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

// Search, sort and pagination in the browser: every list the API gives the console today fits in
// one response (roles, connectors, endpoints, keys), so a round trip per keystroke buys nothing.
export function DataTable<T>({
  label,
  records,
  columns,
  idAccessor,
  searchText,
  initialSort,
  emptyText,
  pageSize = 15,
}: DataTableProps<T>) {
  const [query, setQuery] = useState('');
  const [debouncedQuery] = useDebouncedValue(query, 150);
  const [sortStatus, setSortStatus] = useState<DataTableSortStatus<T>>(
    initialSort ?? { columnAccessor: idAccessor, direction: 'asc' },
  );
  const [page, setPage] = useState(1);

  const visible = useMemo(() => {
    const needle = debouncedQuery.trim().toLowerCase();
    const matching =
      needle && searchText
        ? records.filter((record) => searchText(record).toLowerCase().includes(needle))
        : [...records];
    const key = sortStatus.columnAccessor as keyof T;
    matching.sort((a, b) => compare(a[key], b[key]));
    if (sortStatus.direction === 'desc') matching.reverse();
    return matching;
  }, [records, debouncedQuery, searchText, sortStatus]);

  const lastPage = Math.max(1, Math.ceil(visible.length / pageSize));
  const currentPage = Math.min(page, lastPage);
  const pageRecords = visible.slice((currentPage - 1) * pageSize, currentPage * pageSize);

  return (
    <Stack gap="xs">
      {searchText && (
        <TextInput
          aria-label={`Search ${label}`}
          placeholder={`Search ${label}…`}
          leftSection={<IconSearch size={16} aria-hidden />}
          value={query}
          onChange={(event) => {
            setQuery(event.currentTarget.value);
            setPage(1);
          }}
          maw={360}
        />
      )}
      <MantineDataTable<T>
        aria-label={label}
        withTableBorder
        borderRadius="md"
        highlightOnHover
        minHeight={pageRecords.length ? undefined : 160}
        records={pageRecords as T[]}
        columns={columns}
        idAccessor={idAccessor}
        sortStatus={sortStatus}
        onSortStatusChange={setSortStatus}
        noRecordsText={records.length ? 'Nothing matches your search' : emptyText}
        totalRecords={visible.length}
        recordsPerPage={pageSize}
        page={currentPage}
        onPageChange={setPage}
      />
    </Stack>
  );
}

// Which row of a list is open beside it (none yet: null), and how to open another.
export interface RowSelection {
  selectedId: string | null | undefined;
  onSelect: (id: string) => void;
}

// The column of a list whose rows open beside it: each row's name is a button, pressed while its
// row is the one open.
export function rowSelectColumn<T extends { id: string }>(
  { selectedId, onSelect }: RowSelection,
  {
    accessor,
    title,
    name,
  }: { accessor: keyof T & string; title?: string; name: (record: T) => ReactNode },
): DataTableColumn<T> {
  return {
    accessor,
    title,
    sortable: true,
    render: (record) => (
      <Button
        variant="subtle"
        size="compact-sm"
        aria-pressed={record.id === selectedId}
        onClick={() => onSelect(record.id)}
      >
        {name(record)}
      </Button>
    ),
  };
}

// The last column of a list: what the admin may do to the row (revoke, remove), headed for screen
// readers only.
export function actionsColumn<T>(render: (record: T) => ReactNode): DataTableColumn<T> {
  return { accessor: 'actions', title: <VisuallyHidden>Actions</VisuallyHidden>, render };
}
