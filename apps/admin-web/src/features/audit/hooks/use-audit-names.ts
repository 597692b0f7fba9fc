import { useQuery } from '@tanstack/react-query';
import { request } from '../../../lib/graphql-client';
import { queryKeys } from '../../../lib/query-keys';
import { connectorsQueryOptions } from '../../connectors/hooks/use-connectors';
import { useDirectoryNames } from '../../directory/directory-names';
import { rolesQueryOptions } from '../../governance/hooks/use-roles';
import { ACTOR_KINDS, OBJECT_KINDS } from '../audit-words';
import { AdminsQuery, type AuditRecordRow } from '../graphql/audit';

export const adminsQueryOptions = {
  queryKey: queryKeys.admins,
  queryFn: async () => (await request(AdminsQuery)).admins,
};

// Where a name links: a person's or a group's page, or a screen.
export type NameLink =
  | { to: '/people/$personId'; params: { personId: string } }
  | { to: '/groups/$groupId'; params: { groupId: string } }
  | { to: '/roles' | '/connectors' | '/spend' | '/settings' | '/endpoints' };

export interface Named {
  label: string;
  link?: NameLink;
}

function dataOf(record: AuditRecordRow): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(record.data);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

// Who did it and to what, by name: admins by email, people and groups from the directory, roles
// and connectors as they are called now (or as the record called them, once deleted).
export function useAuditNames(records: readonly AuditRecordRow[]) {
  const admins = useQuery(adminsQueryOptions);
  const roles = useQuery(rolesQueryOptions);
  const connectors = useQuery(connectorsQueryOptions);
  const subjectIds = records.flatMap((record) => {
    const data = dataOf(record);
    return [record.resourceId, str(data.subjectId)];
  });
  const directory = useDirectoryNames(subjectIds);
  const adminById = new Map((admins.data ?? []).map((admin) => [admin.id, admin]));
  const roleById = new Map((roles.data ?? []).map((role) => [role.id, role.name]));
  const connectorById = new Map((connectors.data ?? []).map((c) => [c.id, c.name]));

  const subject = (kind: unknown, id: string | undefined, fallback?: string): Named => {
    const name = directory.get(id);
    if (!id) return { label: fallback ?? 'someone' };
    if (!name) return { label: fallback ?? `a deleted ${kind === 'group' ? 'group' : 'person'}` };
    return kind === 'group' || name.kind === 'group'
      ? { label: name.name, link: { to: '/groups/$groupId', params: { groupId: id } } }
      : { label: name.name, link: { to: '/people/$personId', params: { personId: id } } };
  };

  const actor = (record: AuditRecordRow): Named => {
    if (record.actorType === 'admin' && record.actorId) {
      const admin = adminById.get(record.actorId);
      return {
        label: admin ? (admin.name ? `${admin.name} (${admin.email})` : admin.email) : 'an admin',
      };
    }
    if (record.actorType === 'endpoint')
      return { label: 'an endpoint', link: { to: '/endpoints' } };
    return { label: ACTOR_KINDS[record.actorType] ?? record.actorType };
  };

  const object = (record: AuditRecordRow): Named | null => {
    const data = dataOf(record);
    const id = record.resourceId ?? undefined;
    switch (record.resourceType) {
      case 'role':
        return {
          label: roleById.get(id ?? '') ?? str(data.name) ?? 'a deleted role',
          link: { to: '/roles' },
        };
      case 'role_binding': {
        const role = roleById.get(str(data.roleId) ?? '') ?? 'a deleted role';
        const to = subject(data.subjectType, str(data.subjectId));
        const kind = data.subjectType === 'group' ? 'group ' : '';
        return { label: `${role} to ${kind}${to.label}`, link: to.link };
      }
      case 'connector':
        return {
          label: connectorById.get(id ?? '') ?? str(data.name) ?? 'a removed connector',
          link: { to: '/connectors' },
        };
      case 'user':
      case 'group':
        return subject(record.resourceType, id, str(data.userName) ?? str(data.displayName));
      case 'spend_limit': {
        const team = subject(data.subjectType, str(data.subjectId));
        return data.subjectType === 'group' ? { ...team, label: `team ${team.label}` } : team;
      }
      case 'credential':
        return { label: str(data.name) ?? 'a credential', link: { to: '/settings' } };
      case 'admin': {
        const admin = adminById.get(id ?? '');
        return admin ? { label: admin.email } : null;
      }
      case 'endpoint':
        return { label: str(data.deviceName) ?? 'an endpoint', link: { to: '/endpoints' } };
      default:
        return null;
    }
  };

  return {
    actor,
    object,
    kindOf: (type: string) => OBJECT_KINDS[type] ?? type.replaceAll('_', ' '),
  };
}
