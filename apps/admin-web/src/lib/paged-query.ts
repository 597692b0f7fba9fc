import { keepPreviousData, queryOptions, type QueryKey } from '@tanstack/react-query';

export const PAGE_SIZE = 20;

export interface PageOf<T> {
  total: number;
  items: T[];
}

// What the API's paged lists take: no search for an empty one, pages counted from 1.
export interface PageWindow {
  search: string | null;
  offset: number;
  limit: number;
}

// One page of a list the server searches; the previous page stays on screen while the next loads.
export function pagedQueryOptions<T, TKey extends QueryKey>(
  queryKey: TKey,
  { search, page }: { search: string; page: number },
  fetchPage: (window: PageWindow) => Promise<PageOf<T>>,
) {
  return queryOptions({
    queryKey,
    queryFn: () =>
      fetchPage({ search: search || null, offset: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
}
