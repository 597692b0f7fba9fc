import { Button, CopyButton } from '@mantine/core';

// Copies a value the admin pastes elsewhere (a secret, a URL) and says so for a moment.
export function CopyValueButton({ value, label }: { value: string; label: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Button size="xs" variant="default" onClick={copy}>
          {copied ? 'Copied' : label}
        </Button>
      )}
    </CopyButton>
  );
}
