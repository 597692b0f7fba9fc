import { Button } from '@mantine/core';
import type { ReactNode } from 'react';

// How far the inputs of a one-line form start below the row's top: their label, or their label
// and description.
const INPUT_TOP = { label: 25, description: 46 } as const;

// The submit button at the end of a one-line form (a Group aligned to flex-start), level with the
// inputs rather than their labels, whatever validation message appears under an input.
export function FormRowSubmit({
  inputsHave = 'label',
  loading,
  children,
}: {
  inputsHave?: keyof typeof INPUT_TOP;
  loading: boolean;
  children: ReactNode;
}) {
  return (
    <Button type="submit" mt={INPUT_TOP[inputsHave]} loading={loading}>
      {children}
    </Button>
  );
}
