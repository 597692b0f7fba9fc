import { queryOptions, useSuspenseQuery } from '@tanstack/react-query';
import { GraphQLRequestError, request } from '../../../lib/graphql-client';
import { queryKeys } from '../../../lib/query-keys';
import { ViewerQuery, type Viewer } from '../graphql/viewer';

export const viewerQueryOptions = queryOptions({
  queryKey: queryKeys.viewer,
  queryFn: async (): Promise<Viewer> => {
    const { viewer } = await request(ViewerQuery);
    // A null viewer means the same as an UNAUTHENTICATED error; treat both one way.
    if (!viewer) {
      throw new GraphQLRequestError('Not signed in', 200, [
        { message: 'Not signed in', extensions: { code: 'UNAUTHENTICATED' } },
      ]);
    }
    return viewer;
  },
  staleTime: 5 * 60_000,
  // "Not signed in" is an answer, not a failure worth retrying.
  retry: false,
});

// Rendered only below the console route, whose beforeLoad has already fetched the viewer.
export function useViewer(): Viewer {
  return useSuspenseQuery(viewerQueryOptions).data;
}
