import { IconPlugConnected } from '@tabler/icons-react';
import { EmptyState } from '../components/ui/empty-state';
import { Page } from '../components/ui/page';

export function ConnectorsPage() {
  return (
    <Page title="Connectors" description="The MCP servers your organization allows.">
      <EmptyState
        icon={<IconPlugConnected size={26} />}
        title="No connectors allowed yet"
        nextStep={
          <>
            add the first MCP server your teams need, pinned to a version, then review its tool
            catalogue.
          </>
        }
      >
        Each allowed MCP server lists its tools as read or write. Roles then allow, ask for
        approval, or deny reads and writes per connector and per tool; anything not listed is denied
        and reported as drift.
      </EmptyState>
    </Page>
  );
}
