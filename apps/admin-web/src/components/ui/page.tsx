import { Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

interface PageProps {
  title: string;
  description: string;
  children: ReactNode;
}

export function Page({ title, description, children }: PageProps) {
  useEffect(() => {
    document.title = `${title} · Steward`;
  }, [title]);

  return (
    <Stack gap="lg">
      <div>
        <Title order={1} size="h2">
          {title}
        </Title>
        <Text c="dimmed">{description}</Text>
      </div>
      {children}
    </Stack>
  );
}
