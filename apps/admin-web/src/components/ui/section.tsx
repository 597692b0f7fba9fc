import { Grid, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { Children, type ReactNode } from 'react';
import { SectionBoundary } from './section-boundary';

interface SectionProps {
  title: string;
  description?: string;
  actions?: ReactNode;
  children: ReactNode;
}

export function Section({ title, description, actions, children }: SectionProps) {
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={2} size="h4">
              {title}
            </Title>
            {description && (
              <Text size="sm" c="dimmed">
                {description}
              </Text>
            )}
          </div>
          {actions}
        </Group>
        <SectionBoundary title={`${title} could not load`}>{children}</SectionBoundary>
      </Stack>
    </Paper>
  );
}

// Sections two to a row on a wide screen, one above the other on a narrow one. A section left out
// (`{allowed && <Section …/>}`) leaves no empty column.
export function SectionsSideBySide({ children }: { children: ReactNode }) {
  return (
    <Grid>
      {Children.toArray(children).map((section, index) => (
        <Grid.Col key={index} span={{ base: 12, md: 6 }}>
          {section}
        </Grid.Col>
      ))}
    </Grid>
  );
}
