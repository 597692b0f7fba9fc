import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

// A small table whose rows the caller renders under one row of column headings; a heading left
// false is not shown (a column only some admins see).
export function HeadedTable({
  label,
  head,
  children,
}: {
  label: string;
  head: (ReactNode | false)[];
  children: ReactNode;
}) {
  return (
    <Table aria-label={label} verticalSpacing={4}>
      <Table.Thead>
        <Table.Tr>
          {head.map(
            (heading, index) => heading !== false && <Table.Th key={index}>{heading}</Table.Th>,
          )}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>{children}</Table.Tbody>
    </Table>
  );
}
