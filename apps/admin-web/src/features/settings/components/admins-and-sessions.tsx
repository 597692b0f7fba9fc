import { Badge, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../../../components/ui/api-error';
import { RemoveButton } from '../../../components/ui/confirm';
import { HeadedTable } from '../../../components/ui/headed-table';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { adminsQueryOptions } from '../../audit/hooks/use-audit-names';
import { useAdminSessions, useRevokeAdminSession } from '../hooks/use-settings';

const ROLE_LABELS: Record<string, string> = {
  owner: 'Owner',
  admin: 'Admin',
  auditor: 'Auditor (read-only)',
  billing: 'Billing',
};

// Everyone who signs in to this console, their role, and (for owners) their live sessions.
export function AdminsAndSessions({ owner }: { owner: boolean }) {
  const admins = useQuery(adminsQueryOptions);
  const sessions = useAdminSessions(owner);
  const revoke = useRevokeAdminSession();
  return (
    <>
      <HeadedTable
        label="admins"
        head={['Admin', 'Role', 'Signs in with', 'Last sign-in', owner && 'Live sessions']}
      >
        {(admins.data ?? []).map((admin) => {
          const live = (sessions.data ?? []).filter((s) => s.adminId === admin.id);
          return (
            <Table.Tr key={admin.id}>
              <Table.Td>
                {admin.name ? `${admin.name} · ` : ''}
                {admin.email}
              </Table.Td>
              <Table.Td>
                <Badge variant="light">{ROLE_LABELS[admin.role] ?? admin.role}</Badge>
              </Table.Td>
              <Table.Td>{admin.source === 'saml' ? 'single sign-on' : 'first-run link'}</Table.Td>
              <Table.Td>{formatRelative(admin.lastSignInAt)}</Table.Td>
              {owner && (
                <Table.Td>
                  {live.length ? (
                    live.map((session) => (
                      <Text key={session.id} size="xs">
                        since {formatDateTime(session.createdAt)}, seen{' '}
                        {formatRelative(session.lastSeenAt)}
                        {session.current ? (
                          ' (this session)'
                        ) : (
                          <RemoveButton
                            label={`End the session of ${admin.email} since ${formatDateTime(session.createdAt)}`}
                            title={`Sign ${admin.email} out?`}
                            message="That browser is signed out at its next request."
                            confirmLabel="End session"
                            onConfirm={() => revoke.mutate({ id: session.id })}
                          />
                        )}
                      </Text>
                    ))
                  ) : (
                    <Text size="xs" c="dimmed">
                      none
                    </Text>
                  )}
                </Table.Td>
              )}
            </Table.Tr>
          );
        })}
      </HeadedTable>
      <ApiError error={admins.error ?? revoke.error ?? sessions.error} />
    </>
  );
}
