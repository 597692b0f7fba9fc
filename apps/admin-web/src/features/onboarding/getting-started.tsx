import { List, Loader, Text, ThemeIcon } from '@mantine/core';
import { IconCircle, IconCircleCheck } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { TextLink } from '../../components/ui/links';
import { Section } from '../../components/ui/section';
import { connectorsQueryOptions } from '../connectors/hooks/use-connectors';
import { directoryUsersOptions } from '../directory/directory-queries';
import { endpointsQueryOptions } from '../endpoints/hooks/use-endpoints';
import { rolesQueryOptions } from '../governance/hooks/use-roles';
import { useSamlSettings, useTelemetryCollector } from '../settings/hooks/use-settings';

type Screen = '/settings' | '/people' | '/roles' | '/connectors' | '/endpoints' | '/provisioning';

interface Step {
  label: string;
  done: boolean | undefined;
  to: Screen;
  where: string;
}

// The first things an organization sets up, each checked against what the API holds now.
function useSteps(): Step[] {
  const saml = useSamlSettings(true);
  const people = useQuery(directoryUsersOptions('', 1));
  const roles = useQuery(rolesQueryOptions);
  const connectors = useQuery(connectorsQueryOptions);
  const endpoints = useQuery(endpointsQueryOptions());
  const telemetry = useTelemetryCollector(true);
  const ruled = roles.data?.some((role) => role.connectorRules.length > 0);
  return [
    {
      label: 'Connect your identity provider for admin sign-in (SAML)',
      done: saml.data && saml.data.connection !== null,
      to: '/settings',
      where: 'Settings',
    },
    {
      label: 'Provision people and groups by SCIM',
      done: people.data && people.data.total > 0,
      to: '/provisioning',
      where: 'Provisioning',
    },
    {
      label: 'Create a first role and bind it to a group',
      done: roles.data?.some((role) => role.bindings.length > 0),
      to: '/roles',
      where: 'Roles',
    },
    {
      label: 'Allow a connector and set its read and write policy in a role',
      done: connectors.data && connectors.data.length > 0 && ruled,
      to: '/connectors',
      where: 'Connectors',
    },
    {
      label: 'Enrol a first endpoint',
      done: endpoints.data && endpoints.data.length > 0,
      to: '/endpoints',
      where: 'Endpoints & rollout',
    },
    {
      label: 'Send agent telemetry to your OpenTelemetry collector',
      done: telemetry.isSuccess ? telemetry.data !== null : undefined,
      to: '/settings',
      where: 'Settings',
    },
  ];
}

// Overview's checklist for owners and admins until everything on it is done.
export function GettingStarted() {
  const steps = useSteps();
  const left = steps.filter((step) => step.done !== true).length;
  if (!left) return null;
  return (
    <Section
      title="Getting started"
      description={`${steps.length - left} of ${steps.length} done. Each step checks what Steward holds now.`}
    >
      <List spacing="xs" data-testid="getting-started">
        {steps.map((step) => (
          <List.Item
            key={step.label}
            icon={
              step.done === undefined ? (
                <Loader size={16} aria-hidden />
              ) : (
                <ThemeIcon
                  size={20}
                  radius="xl"
                  variant="light"
                  color={step.done ? 'green' : 'gray'}
                  aria-hidden
                >
                  {step.done ? <IconCircleCheck size={16} /> : <IconCircle size={16} />}
                </ThemeIcon>
              )
            }
          >
            <Text size="sm" span>
              {step.label}
              {' — '}
              {step.done ? (
                'done'
              ) : (
                <>
                  not yet, in <TextLink to={step.to}>{step.where}</TextLink>
                </>
              )}
            </Text>
          </List.Item>
        ))}
      </List>
    </Section>
  );
}
