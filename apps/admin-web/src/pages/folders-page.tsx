import { Group, Switch } from '@mantine/core';
import { Page } from '../components/ui/page';
import { Section } from '../components/ui/section';
import { useViewer } from '../features/auth/hooks/use-viewer';
import { CeilingForm } from '../features/folders/components/ceiling-form';
import { CeilingTable } from '../features/folders/components/ceiling-table';
import { RoleFolders } from '../features/folders/components/role-folders';
import { WebHostsEditor } from '../features/folders/components/web-hosts-editor';
import {
  useGovernanceSettings,
  useSetAutoApprovePlansAllowed,
} from '../features/folders/hooks/use-governance-settings';
import { canEdit } from '../lib/permissions';

function AutoApprovePlans({ editable }: { editable: boolean }) {
  const settings = useGovernanceSettings();
  const setAutoApprove = useSetAutoApprovePlansAllowed();
  return (
    <Group>
      <Switch
        label="Roles may let plans run without the person’s approval"
        checked={settings.autoApprovePlansAllowed}
        disabled={!editable}
        onChange={(event) => setAutoApprove.mutate({ allowed: event.currentTarget.checked })}
      />
    </Group>
  );
}

export function FoldersPage() {
  const viewer = useViewer();
  const editable = canEdit(viewer);
  return (
    <Page
      title="Folders"
      description="The ceiling no role can reach past, the folders each role opens, and the web hosts the agent’s shell may reach."
    >
      <Section
        title="Ceiling"
        description="Folders the agent never touches, whatever a role grants. Built-in entries protect credentials and system folders."
      >
        <CeilingTable editable={editable} />
        {editable && <CeilingForm />}
      </Section>

      <Section
        title="Network"
        description="The web hosts the agent’s shell commands may reach; every other host is refused."
      >
        <WebHostsEditor editable={editable} />
      </Section>

      <Section title="Per-role folders" description="Edit them in each role under Roles.">
        <RoleFolders />
      </Section>

      <Section title="Plan approval">
        <AutoApprovePlans editable={editable} />
      </Section>
    </Page>
  );
}
