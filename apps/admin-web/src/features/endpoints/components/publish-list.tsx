import { DataTable, rowSelectColumn, type RowSelection } from '../../../components/ui/data-table';
import { formatDateTime } from '../../../lib/format';
import type { BundlePublish } from '../graphql/endpoints';

// Policy publishes, newest first; choosing one shows its rollout.
export function PublishList({
  publishes,
  ...selection
}: { publishes: readonly BundlePublish[] } & RowSelection) {
  return (
    <DataTable<BundlePublish>
      label="publishes"
      records={publishes}
      idAccessor="id"
      initialSort={{ columnAccessor: 'createdAt', direction: 'desc' }}
      emptyText="Nothing published yet"
      pageSize={8}
      columns={[
        rowSelectColumn<BundlePublish>(selection, {
          accessor: 'createdAt',
          title: 'When',
          name: (p) => formatDateTime(p.createdAt),
        }),
        { accessor: 'reason', title: 'Why', sortable: true },
        { accessor: 'subjectCount', title: 'People', sortable: true },
      ]}
    />
  );
}
