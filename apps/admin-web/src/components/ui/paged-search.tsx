import { TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { DataTable, type DataTableColumn } from 'mantine-datatable';
import { useState } from 'react';
import { PAGE_SIZE, type PageOf } from '../../lib/paged-query';
import { ApiError } from './api-error';

export function SearchBox({
  label,
  onChange,
}: {
  label: string;
  onChange: (value: string) => void;
}) {
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

// A server-side search and its page: a new search starts again from the first page.
export function usePagedSearch() {
  const [typed, setTyped] = useState('');
  const [debounced] = useDebouncedValue(typed, 250);
  const [page, setPage] = useState(1);
  const onSearch = (value: string) => {
    setTyped(value);
    setPage(1);
  };
  return { search: debounced.trim(), page, setPage, onSearch };
}

type PagedSearch = ReturnType<typeof usePagedSearch>;

interface PagedSearchTableProps<T> {
  // The table's accessible name; its search box is "Search <label>".
  label: string;
  errorTitle: string;
  paged: PagedSearch;
  // The page the server found for `paged`'s search.
  result: { data?: PageOf<T>; error: unknown; isFetching: boolean };
  columns: DataTableColumn<T>[];
  noRecordsText: string;
  minHeight?: number;
  onRowClick?: (record: T) => void;
}

// A list the server searches and pages (the directory can hold tens of thousands of entries).
export function PagedSearchTable<T>({
  label,
  errorTitle,
  paged,
  result,
  columns,
  noRecordsText,
  minHeight = 160,
  onRowClick,
}: PagedSearchTableProps<T>) {
  return (
    <>
      <SearchBox label={`Search ${label}`} onChange={paged.onSearch} />
      <ApiError error={result.error} title={errorTitle} />
      <DataTable<T>
        aria-label={label}
        withTableBorder
        highlightOnHover={!!onRowClick}
        minHeight={result.data?.total ? undefined : minHeight}
        fetching={result.isFetching}
        records={result.data?.items ?? []}
        totalRecords={result.data?.total ?? 0}
        recordsPerPage={PAGE_SIZE}
        page={paged.page}
        onPageChange={paged.setPage}
        onRowClick={onRowClick && (({ record }) => onRowClick(record))}
        noRecordsText={noRecordsText}
        columns={columns}
      />
    </>
  );
}
