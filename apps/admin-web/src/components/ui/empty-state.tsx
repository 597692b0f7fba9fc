import { Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { ReactNode } from 'react';

interface EmptyStateProps {
  icon: ReactNode;
  title: string;
  children: ReactNode;
  nextStep?: ReactNode;
}

// What a screen will show once there is data, and the one thing to do to get there.
export function EmptyState({ icon, title, children, nextStep }: EmptyStateProps) {
  return (
    <Paper withBorder radius="md" p="xl" data-testid="empty-state">
      <Stack align="center" gap="sm" maw={560} mx="auto" ta="center">
        <ThemeIcon size={48} radius="xl" variant="light" aria-hidden>
          {icon}
        </ThemeIcon>
        <Title order={2} size="h4">
          {title}
        </Title>
        <Text c="dimmed" size="sm">
          {children}
        </Text>
        {nextStep && (
          <Text size="sm">
            <Text span fw={600}>
              Next step:{' '}
            </Text>
            {nextStep}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
