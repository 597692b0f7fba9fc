import { MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { isUnauthenticated } from '../lib/graphql-client';
import { createAppRouter } from './router';
import { cssVariablesResolver, theme } from './theme';

// A session can end under any request (expiry, sign-out in another tab): whichever request
// notices first sends the admin to the sign-in page.
function onError(error: unknown) {
  if (!isUnauthenticated(error)) return;
  queryClient.removeQueries();
  if (router.state.location.pathname !== '/sign-in') {
    void router.navigate({ to: '/sign-in', replace: true });
  }
}

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      retry: (failureCount, error) => !isUnauthenticated(error) && failureCount < 2,
    },
  },
});

const router = createAppRouter(queryClient);

export function App() {
  return (
    <MantineProvider
      theme={theme}
      cssVariablesResolver={cssVariablesResolver}
      defaultColorScheme="auto"
    >
      <Notifications position="top-center" />
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
          <RouterProvider router={router} />
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
