import { Alert } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { errorMessage } from '../../lib/errors';

// The API's refusal, shown where the admin acted.
export function ApiError({
  error,
  title = 'The API refused this',
}: {
  error: unknown;
  title?: string;
}) {
  if (!error) return null;
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={title}
      role="alert"
    >
      {errorMessage(error)}
    </Alert>
  );
}
