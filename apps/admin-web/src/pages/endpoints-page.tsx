import { Grid, Text } from '@mantine/core';
import { IconDeviceLaptop } from '@tabler/icons-react';
import { useState } from 'react';
import { EmptyState } from '../components/ui/empty-state';
import { TextLink } from '../components/ui/links';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { EndpointList } from '../features/endpoints/components/endpoint-list';
import { PublishList } from '../features/endpoints/components/publish-list';
import { RolloutPanel } from '../features/endpoints/components/rollout-panel';
import { useBundlePublishes, useEndpoints } from '../features/endpoints/hooks/use-endpoints';
import { canEdit } from '../lib/permissions';

// The publishes beside the rollout of the one chosen (the latest until another is chosen).
function PublishesAndRollout() {
  const publishes = useBundlePublishes();
  const [publishId, setPublishId] = useState<string | null>(null);
  const shownPublish = publishId ?? publishes[0]?.id ?? null;
  return (
    <Grid>
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <Section
          title="Publishes"
          description="Every policy change signs new bundles for the people it affects."
        >
          <PublishList publishes={publishes} selectedId={shownPublish} onSelect={setPublishId} />
        </Section>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <Section title="Rollout" description="Endpoints report the version they verified and run.">
          {shownPublish ? (
            <RolloutPanel publishId={shownPublish} />
          ) : (
            <Text size="sm" c="dimmed">
              The first publish happens when a role is bound or an endpoint enrols.
            </Text>
          )}
        </Section>
      </Grid.Col>
    </Grid>
  );
}

function NoEndpoints() {
  return (
    <EmptyState
      icon={<IconDeviceLaptop size={26} />}
      title="No endpoints enrolled"
      nextStep={
        <>
          create an enrolment token in <TextLink to="/settings">Settings</TextLink> and run{' '}
          <code>steward-agent enrol</code> on a device.
        </>
      }
    >
      Each enrolled device shows here with its runtime, the policy version it runs and whether it
      verified the latest bundle.
    </EmptyState>
  );
}

export function EndpointsPage() {
  const viewer = useViewer();
  const endpoints = useEndpoints();
  return (
    <Page
      title="Endpoints & rollout"
      description="Enrolled devices, the policy version each runs, and how far each publish has reached."
    >
      <PublishesAndRollout />
      {!endpoints.length ? (
        <NoEndpoints />
      ) : (
        <Section title="Endpoints">
          <EndpointList endpoints={endpoints} editable={canEdit(viewer)} />
        </Section>
      )}
    </Page>
  );
}
