import { Alert, Code, Button, Group, Stack, Text } from '@mantine/core';
import { IconKey } from '@tabler/icons-react';
import { CopyValueButton } from './copy-value-button';

// A freshly issued secret: the API stores only its hash, so this is the only time it exists.
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconKey aria-hidden />}
      title="Copy this secret now"
    >
      <Stack gap="xs">
        <Text size="sm">It is shown once. Steward keeps only a hash and cannot show it again.</Text>
        <Code block data-testid="secret-once">
          {secret}
        </Code>
        <Group gap="xs">
          <CopyValueButton value={secret} label="Copy" />
          <Button size="xs" variant="subtle" onClick={onDone}>
            I have stored it
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
