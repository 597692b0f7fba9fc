import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';

export function NotFoundPage() {
  return (
    <Center mih="60vh" component="main">
      <Stack align="center" gap="sm">
        <Title order={1} size="h2">
          Page not found
        </Title>
        <Text c="dimmed">There is nothing at this address in the console.</Text>
        <Button component={Link} to="/" variant="light">
          Go to Overview
        </Button>
      </Stack>
    </Center>
  );
}
