import { Alert, Button, Loader, Stack } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { QueryErrorResetBoundary } from '@tanstack/react-query';
import { Component, Suspense, type ReactNode } from 'react';
import { errorMessage } from '../../lib/errors';

interface BoundaryProps {
  onReset: () => void;
  title: string;
  children: ReactNode;
}

class Boundary extends Component<BoundaryProps, { error: unknown }> {
  state = { error: null as unknown };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <Alert
        color="red"
        variant="light"
        icon={<IconAlertTriangle aria-hidden />}
        title={this.props.title}
        role="alert"
      >
        <Stack gap="xs" align="flex-start">
          {errorMessage(this.state.error)}
          <Button
            size="xs"
            variant="default"
            onClick={() => {
              this.props.onReset();
              this.setState({ error: null });
            }}
          >
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  }
}

// What one part of a screen asked the API for: while it loads, a spinner in its place; when it
// fails, the error in its place, with a retry. The rest of the screen and the navigation stay.
export function SectionBoundary({ title, children }: { title: string; children: ReactNode }) {
  return (
    <QueryErrorResetBoundary>
      {({ reset }) => (
        <Boundary onReset={reset} title={title}>
          <Suspense fallback={<Loader size="sm" aria-label="Loading" />}>{children}</Suspense>
        </Boundary>
      )}
    </QueryErrorResetBoundary>
  );
}
