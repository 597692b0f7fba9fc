import { IconListDetails } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';

export function AuditPage() {
  return (
    <Page
      title="Audit"
      description="Every admin change and every agent action, in a verifiable log."
    >
      <EmptyState
        icon={<IconListDetails size={26} />}
        title="Nothing recorded yet"
        nextStep={<>make a change anywhere in the console — it will be the first entry here.</>}
      >
        The audit log is a hash chain anyone can verify. Search it by person, action or time, verify
        its integrity, and export it as NDJSON or CSV for your SIEM.
      </EmptyState>
    </Page>
  );
}
