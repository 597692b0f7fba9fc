import { Checkbox, SimpleGrid, Text } from '@mantine/core';
import { CAPABILITIES, CAPABILITY_LABELS } from '../capabilities';
import { useRoleFormContext } from './role-form';

export function CapabilityMatrix({ readOnly }: { readOnly: boolean }) {
  const form = useRoleFormContext();
  return (
    <Checkbox.Group
      label="Capabilities"
      description="What people holding this role may use. Several roles add up."
      {...form.getInputProps('capabilities')}
    >
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} mt="xs" spacing="xs">
        {CAPABILITIES.map((capability) => (
          <Checkbox
            key={capability}
            value={capability}
            disabled={readOnly}
            label={CAPABILITY_LABELS[capability].label}
            description={
              <Text span size="xs" c="dimmed">
                {CAPABILITY_LABELS[capability].description}
              </Text>
            }
          />
        ))}
      </SimpleGrid>
    </Checkbox.Group>
  );
}
