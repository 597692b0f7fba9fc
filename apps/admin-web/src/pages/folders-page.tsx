import { IconFolders } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';

export function FoldersPage() {
  return (
    <Page title="Folders" description="Where on a person's computer the agent may work.">
      <EmptyState
        icon={<IconFolders size={26} />}
        title="Default folder rules apply"
        nextStep={<>review the forbidden locations and add the roots your teams work in.</>}
      >
        Your organization's ceiling forbids the home folder root, Desktop, Downloads and
        cloud-synced folders until you change it. Allowed roots can be read-only or read-write, and
        no role can reach past the ceiling.
      </EmptyState>
    </Page>
  );
}
