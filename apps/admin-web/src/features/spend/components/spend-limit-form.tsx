import { Button, Group, MultiSelect, NumberInput, Select, TextInput } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { z } from 'zod';
import { ApiError } from '../../../components/ui/api-error';
import { useCreateSpendLimit } from '../hooks/use-spend-limits';

const schema = z.object({
  subjectId: z.uuid('Paste the group’s or person’s Steward ID (a UUID)'),
  amountUsd: z.number({ error: 'Enter an amount' }).positive('More than zero'),
});

export function SpendLimitForm() {
  const create = useCreateSpendLimit();
  const form = useForm({
    initialValues: {
      subjectType: 'group' as 'group' | 'user',
      subjectId: '',
      period: 'month' as 'day' | 'week' | 'month',
      amountUsd: 100 as number | string,
      enforcement: 'hard' as 'hard' | 'soft',
      alertThresholds: ['80'],
    },
    validate: schemaResolver(schema, { sync: true }),
    validateInputOnChange: true,
  });
  return (
    <form
      noValidate
      aria-label="Add spend limit"
      onSubmit={form.onSubmit((values) =>
        create.mutate(
          {
            input: {
              ...values,
              subjectId: values.subjectId.trim(),
              amountUsd: String(values.amountUsd),
              alertThresholds: values.alertThresholds.map(Number),
            },
          },
          { onSuccess: () => form.reset() },
        ),
      )}
    >
      <Group align="flex-start" gap="xs">
        <Select
          label="For"
          data={[
            { value: 'group', label: 'Group' },
            { value: 'user', label: 'Person' },
          ]}
          allowDeselect={false}
          w={110}
          {...form.getInputProps('subjectType')}
        />
        <TextInput
          label="ID"
          placeholder="UUID"
          style={{ flex: 2 }}
          {...form.getInputProps('subjectId')}
        />
        <NumberInput
          label="Amount (USD)"
          min={0}
          decimalScale={2}
          w={140}
          {...form.getInputProps('amountUsd')}
        />
        <Select
          label="Per"
          data={['day', 'week', 'month']}
          allowDeselect={false}
          w={110}
          {...form.getInputProps('period')}
        />
        <Select
          label="When reached"
          data={[
            { value: 'hard', label: 'Stop the agent' },
            { value: 'soft', label: 'Alert only' },
          ]}
          allowDeselect={false}
          w={150}
          {...form.getInputProps('enforcement')}
        />
        <MultiSelect
          label="Alert at"
          data={['50', '80', '90', '100'].map((v) => ({ value: v, label: `${v}%` }))}
          w={180}
          {...form.getInputProps('alertThresholds')}
        />
        <Button type="submit" mt={25} loading={create.isPending}>
          Add
        </Button>
      </Group>
      <ApiError error={create.error} />
    </form>
  );
}
