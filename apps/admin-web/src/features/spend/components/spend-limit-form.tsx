import { Group, MultiSelect, NumberInput, Select } from '@mantine/core';
import { schemaResolver, useForm } from '@mantine/form';
import { z } from 'zod';
import { ApiError } from '../../../components/ui/api-error';
import { FormRowSubmit } from '../../../components/ui/form-row-submit';
import { SubjectPicker, type PickedSubject } from '../../directory/components/subject-picker';
import { useCreateSpendLimit } from '../hooks/use-spend-limits';

const schema = z.object({
  subject: z.object({ id: z.string() }, { error: 'Pick who the limit is for' }),
  amountUsd: z.number({ error: 'Enter an amount' }).positive('More than zero'),
});

function useSpendLimitForm() {
  return useForm({
    initialValues: {
      subjectType: 'group' as 'group' | 'user',
      subject: null as PickedSubject | null,
      period: 'month' as 'day' | 'week' | 'month',
      amountUsd: 100 as number | string,
      enforcement: 'hard' as 'hard' | 'soft',
      alertThresholds: ['80'],
    },
    validate: schemaResolver(schema, { sync: true }),
    validateInputOnChange: true,
  });
}

type SpendLimitFormState = ReturnType<typeof useSpendLimitForm>;

// A team (group) or one person, picked by name; changing the kind clears the pick.
function LimitSubjectFields({ form }: { form: SpendLimitFormState }) {
  const { subject, subjectType } = form.getValues();
  return (
    <>
      <Select
        label="For"
        data={[
          { value: 'group', label: 'Group' },
          { value: 'user', label: 'Person' },
        ]}
        allowDeselect={false}
        w={110}
        {...form.getInputProps('subjectType')}
        onChange={(value) => {
          form.setFieldValue('subjectType', value === 'user' ? 'user' : 'group');
          form.setFieldValue('subject', null);
        }}
      />
      <SubjectPicker
        key={subjectType}
        kind={subjectType}
        label={subjectType === 'group' ? 'Group' : 'Person'}
        withLabel
        value={subject}
        onChange={(picked) => form.setFieldValue('subject', picked)}
        error={form.errors.subject ? String(form.errors.subject) : null}
        w={280}
      />
    </>
  );
}

// How much, over which period, and what happens on the way there and when it is reached.
function LimitRuleFields({ form }: { form: SpendLimitFormState }) {
  return (
    <>
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
    </>
  );
}

export function SpendLimitForm() {
  const create = useCreateSpendLimit();
  const form = useSpendLimitForm();
  return (
    <form
      noValidate
      aria-label="Add spend limit"
      onSubmit={form.onSubmit(({ subject, ...values }) =>
        create.mutate(
          {
            input: {
              ...values,
              subjectId: subject?.id ?? '',
              amountUsd: String(values.amountUsd),
              alertThresholds: values.alertThresholds.map(Number),
            },
          },
          { onSuccess: () => form.reset() },
        ),
      )}
    >
      <Group align="flex-start" gap="xs">
        <LimitSubjectFields form={form} />
        <LimitRuleFields form={form} />
        <FormRowSubmit loading={create.isPending}>Add</FormRowSubmit>
      </Group>
      <ApiError error={create.error} />
    </form>
  );
}
