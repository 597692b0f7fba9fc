import { AppShell, Box, Burger, Group, ScrollArea, Text, ThemeIcon } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Outlet, useRouterState } from '@tanstack/react-router';
import { IconShieldCheck } from '@tabler/icons-react';
import { Suspense, useEffect, useRef } from 'react';
import { ColorSchemeControl } from '../components/ui/color-scheme-control';
import { NavItemLink } from '../components/ui/links';
import { SectionBoundary } from '../components/ui/section-boundary';
import { SignedInAdmin } from '../features/auth/components/signed-in-admin';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { canSee } from '../lib/permissions';
import { NAV_ITEMS } from './navigation';
import { RoutePending } from './route-states';
import classes from './shell.module.css';

// After client-side navigation, move focus to the new page so keyboard and screen-reader users
// start reading there instead of at the link they left; the narrow-screen navigation closes.
function useFocusOnNavigation(pathname: string, closeNav: () => void) {
  const mainRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  useEffect(() => {
    closeNav();
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    mainRef.current?.focus();
  }, [pathname, closeNav]);
  return mainRef;
}

function ConsoleHeader({ navOpen, toggleNav }: { navOpen: boolean; toggleNav: () => void }) {
  const viewer = useViewer();
  return (
    <AppShell.Header>
      <Group h="100%" px="md" justify="space-between" wrap="nowrap">
        <Group gap="sm" wrap="nowrap">
          <Burger
            opened={navOpen}
            onClick={toggleNav}
            hiddenFrom="sm"
            size="sm"
            aria-label={navOpen ? 'Close navigation' : 'Open navigation'}
            aria-controls="console-navigation"
            aria-expanded={navOpen}
          />
          <ThemeIcon size="lg" radius="md" aria-hidden>
            <IconShieldCheck size={20} />
          </ThemeIcon>
          <Text fw={700} size="lg">
            Steward
          </Text>
          <Text c="dimmed" size="sm" visibleFrom="xs" truncate>
            {viewer.organization.name}
          </Text>
        </Group>
        <Group gap="sm" wrap="nowrap">
          <Box visibleFrom="sm">
            <ColorSchemeControl />
          </Box>
          <SignedInAdmin />
        </Group>
      </Group>
    </AppShell.Header>
  );
}

function ConsoleNavbar() {
  const viewer = useViewer();
  return (
    <AppShell.Navbar p="xs" id="console-navigation">
      <AppShell.Section grow component={ScrollArea}>
        <nav aria-label="Console">
          {NAV_ITEMS.filter(({ area }) => canSee(viewer, area)).map(({ to, label, icon: Icon }) => (
            <NavItemLink
              key={to}
              to={to}
              label={label}
              leftSection={<Icon size={18} stroke={1.6} aria-hidden />}
              activeOptions={{ exact: to === '/' }}
              activeProps={{ active: true }}
            />
          ))}
        </nav>
      </AppShell.Section>
      {/* On narrow screens the header has no room for the theme switch. */}
      <AppShell.Section hiddenFrom="sm" p="xs">
        <ColorSchemeControl />
      </AppShell.Section>
    </AppShell.Navbar>
  );
}

export function ConsoleShell() {
  const [navOpen, { toggle: toggleNav, close: closeNav }] = useDisclosure(false);
  const pathname = useRouterState({ select: (state) => state.location.pathname });
  const mainRef = useFocusOnNavigation(pathname, closeNav);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !navOpen } }}
      padding="lg"
    >
      <a href="#main" className={classes.skipLink}>
        Skip to main content
      </a>
      <ConsoleHeader navOpen={navOpen} toggleNav={toggleNav} />
      <ConsoleNavbar />
      <AppShell.Main id="main" ref={mainRef} tabIndex={-1} className={classes.main}>
        <SectionBoundary key={pathname} title="This page could not load">
          <Suspense fallback={<RoutePending />}>
            <Outlet />
          </Suspense>
        </SectionBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
