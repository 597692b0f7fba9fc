import { Alert, Button, Center, Loader, Stack } from '@mantine/core';
import { useRouter, type ErrorComponentProps } from '@tanstack/react-router';
import { IconAlertTriangle } from '@tabler/icons-react';

export function RoutePending() {
  return (
    <Center mih="60vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  return (
    <Center mih="60vh" p="md">
      <Stack maw={480} w="100%">
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          title="The console could not load this page"
          role="alert"
        >
          {(error instanceof Error && error.message) ||
            'Something went wrong while talking to the Steward API.'}
        </Alert>
        <Button
          variant="default"
          onClick={() => {
            reset();
            void router.invalidate();
          }}
        >
          Try again
        </Button>
      </Stack>
    </Center>
  );
}
