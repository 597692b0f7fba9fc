import type { QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { viewerQueryOptions } from '../features/auth/hooks/use-viewer';
import { isUnauthenticated } from '../lib/graphql-client';
import { AuditPage } from '../pages/audit-page';
import { ConnectorsPage } from '../pages/connectors-page';
import { EndpointsPage } from '../pages/endpoints-page';
import { FoldersPage } from '../pages/folders-page';
import { GroupPage } from '../pages/group-page';
import { NotFoundPage } from '../pages/not-found-page';
import { OverviewPage } from '../pages/overview-page';
import { PeoplePage } from '../pages/people-page';
import { PersonPage } from '../pages/person-page';
import { ProvisioningPage } from '../pages/provisioning-page';
import { RolesPage } from '../pages/roles-page';
import { SettingsPage } from '../pages/settings-page';
import { SignInPage } from '../pages/sign-in-page';
import { SpendPage } from '../pages/spend-page';
import { RouteError, RoutePending } from './route-states';
import { ConsoleShell } from './shell';

interface RouterContext {
  queryClient: QueryClient;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteError,
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  component: SignInPage,
});

// Every console screen sits under this pathless route: it asks the API who is signed in
// before anything renders, and sends anyone who is not to the sign-in page.
const consoleRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'console',
  beforeLoad: async ({ context }) => {
    try {
      const viewer = await context.queryClient.ensureQueryData(viewerQueryOptions);
      return { viewer };
    } catch (error) {
      if (isUnauthenticated(error)) throw redirect({ to: '/sign-in', replace: true });
      throw error;
    }
  },
  component: ConsoleShell,
  pendingComponent: RoutePending,
  errorComponent: RouteError,
});

const page = <TPath extends string>(path: TPath, component: () => ReactNode) =>
  createRoute({ getParentRoute: () => consoleRoute, path, component });

const routeTree = rootRoute.addChildren([
  signInRoute,
  consoleRoute.addChildren([
    page('/', OverviewPage),
    page('/people', PeoplePage),
    page('/people/$personId', PersonPage),
    page('/groups/$groupId', GroupPage),
    page('/provisioning', ProvisioningPage),
    page('/roles', RolesPage),
    page('/connectors', ConnectorsPage),
    page('/folders', FoldersPage),
    page('/spend', SpendPage),
    page('/endpoints', EndpointsPage),
    page('/audit', AuditPage),
    page('/settings', SettingsPage),
  ]),
]);

export function createAppRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    context: { queryClient },
    defaultPreload: 'intent',
    // The query cache owns freshness; the router should always ask it.
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
