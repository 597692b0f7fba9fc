import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { TadaDocumentNode } from 'gql.tada';
import { request } from './graphql-client';

interface Options {
  // Queries whose data this mutation changes.
  invalidates: readonly QueryKey[];
  // Shown as a notification on success; errors are shown by the form that called.
  success?: string;
}

// The one shape of every console mutation: call the API, refresh what it changed, say so.
export function useApiMutation<TResult, TVariables>(
  document: TadaDocumentNode<TResult, TVariables>,
  { invalidates, success }: Options,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (variables: TVariables) =>
      (request as (d: typeof document, v: TVariables) => Promise<TResult>)(document, variables),
    onSuccess: async () => {
      await Promise.all(invalidates.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
      if (success) {
        notifications.show({
          message: success,
          color: 'green',
          // Mantine's close button has no text of its own; screen readers need a name for it.
          closeButtonProps: { 'aria-label': 'Dismiss' },
        });
      }
    },
  });
}
