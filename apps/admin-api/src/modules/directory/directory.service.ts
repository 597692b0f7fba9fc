import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import type { AuditEntry, AuditTx } from '../audit/audit.service';
import { DirectoryRepository } from './directory.repository';
import type { DirectoryTx } from './directory.repository';
import { DIRECTORY_CHANGED_CHANNEL, DirectoryError } from './directory.types';
import type {
  DirectoryActor,
  DirectoryChanged,
  DirectoryGroupRecord,
  DirectoryUserRecord,
  GroupWrite,
  Page,
  UserWrite,
} from './directory.types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isDirectoryId(id: string): boolean {
  return UUID.test(id);
}

export interface ListOptions<Where> {
  where?: Where;
  skip?: number;
  take?: number;
}

export interface WriteOptions {
  // Optimistic concurrency: the change applies only to this version (SCIM If-Match).
  ifVersion?: number;
}

const DEFAULT_PAGE = 100;

// The directory's rules: versions, uniqueness, membership integrity, the audit record committed with
// each change, and the `directory.changed` signal published after commit. Governance and bundles
// read users, groups and memberships through this service only.
@Injectable()
export class DirectoryService {
  constructor(
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async findUser(organizationId: string, id: string): Promise<DirectoryUserRecord | null> {
    return isDirectoryId(id) ? this.directory.findUser(organizationId, id) : null;
  }

  async groupIdsOfUser(organizationId: string, userId: string): Promise<string[]> {
    return isDirectoryId(userId) ? this.directory.groupIdsOfUser(organizationId, userId) : [];
  }

  // Each user's groups (id and display name), for SCIM's read-only `groups` attribute.
  async groupsOfUsers(
    organizationId: string,
    userIds: string[],
  ): Promise<Map<string, { id: string; displayName: string }[]>> {
    const byUser = new Map<string, { id: string; displayName: string }[]>();
    if (!userIds.length) return byUser;
    for (const row of await this.directory.groupsOfUsers(organizationId, userIds)) {
      const groups = byUser.get(row.userId) ?? [];
      groups.push({ id: row.groupId, displayName: row.displayName });
      byUser.set(row.userId, groups);
    }
    return byUser;
  }

  listUsers(
    organizationId: string,
    options: ListOptions<Prisma.DirectoryUserWhereInput> = {},
  ): Promise<Page<DirectoryUserRecord>> {
    return this.directory.listUsers(
      organizationId,
      options.where ?? {},
      options.skip ?? 0,
      options.take ?? DEFAULT_PAGE,
    );
  }

  async findGroup(
    organizationId: string,
    id: string,
    options: { members: boolean },
  ): Promise<DirectoryGroupRecord | null> {
    return isDirectoryId(id) ? this.directory.findGroup(organizationId, id, options.members) : null;
  }

  listGroups(
    organizationId: string,
    options: ListOptions<Prisma.DirectoryGroupWhereInput> & { members?: boolean } = {},
  ): Promise<Page<DirectoryGroupRecord>> {
    return this.directory.listGroups(
      organizationId,
      options.where ?? {},
      options.skip ?? 0,
      options.take ?? DEFAULT_PAGE,
      options.members ?? false,
    );
  }

  // Members per group without loading them (a group may have thousands).
  async memberCounts(organizationId: string, groupIds: string[]): Promise<Map<string, number>> {
    return groupIds.length
      ? this.directory.memberCounts(organizationId, groupIds)
      : new Map<string, number>();
  }

  async createUser(
    organizationId: string,
    user: UserWrite,
    actor: DirectoryActor,
  ): Promise<DirectoryUserRecord> {
    // No `directory.changed` signal: a user who did not exist has no endpoint, bundle, group or
    // cached spend limits that could be out of date, and IdPs create users in bursts.
    try {
      return await this.directory.createUser(organizationId, user, (userId) =>
        this.audit.chainInput([
          {
            actorType: actor.type,
            actorId: actor.id,
            action: 'directory.user.created',
            resourceType: 'user',
            resourceId: userId,
            data: { userName: user.userName, active: user.active },
          },
        ]),
      );
    } catch (error) {
      throw this.uniqueness(error);
    }
  }

  // Read-modify-write under a row lock: `change` sees the current user and returns the new state;
  // if it throws, nothing is written (an atomic SCIM PATCH).
  async updateUser(
    organizationId: string,
    id: string,
    change: (current: DirectoryUserRecord) => UserWrite,
    actor: DirectoryActor,
    options: WriteOptions = {},
  ): Promise<DirectoryUserRecord> {
    const updated = await this.write(organizationId, async (tx) => {
      await this.lock(tx, organizationId, id, 'user', options);
      const current = await tx.directoryUser.findFirstOrThrow({
        where: { id },
        include: {
          emails: { orderBy: { position: 'asc' } },
          phoneNumbers: { orderBy: { position: 'asc' } },
        },
      });
      const next = change(current);
      const record = await this.directory.replaceUser(tx, organizationId, id, next);
      await this.record(tx, organizationId, actor, 'directory.user.updated', 'user', id, {
        userName: record.userName,
        active: record.active,
        ...(current.active !== record.active ? { activeChanged: true } : {}),
      });
      return record;
    });
    await this.changed({ organizationId, userIds: [id], groupIds: [] });
    return updated;
  }

  async deleteUser(
    organizationId: string,
    id: string,
    actor: DirectoryActor,
    options: WriteOptions = {},
  ): Promise<void> {
    const groupIds = await this.write(organizationId, async (tx) => {
      await this.lock(tx, organizationId, id, 'user', options);
      const groups = await tx.directoryGroupMember.findMany({
        where: { userId: id },
        select: { groupId: true },
      });
      const bindings = await this.directory.deleteRoleBindings(tx, 'user', id);
      const spendLimits = await this.directory.deleteSpendLimits(tx, 'user', id);
      await this.directory.deleteUser(tx, id);
      await this.record(tx, organizationId, actor, 'directory.user.deleted', 'user', id, {
        removedRoleBindings: bindings,
        removedSpendLimits: spendLimits,
      });
      return groups.map((group) => group.groupId);
    });
    await this.changed({ organizationId, userIds: [id], groupIds });
  }

  async createGroup(
    organizationId: string,
    group: GroupWrite,
    actor: DirectoryActor,
  ): Promise<DirectoryGroupRecord> {
    const memberIds = [...new Set(group.memberIds)];
    const created = await this.write(organizationId, async (tx) => {
      await this.checkMembers(tx, organizationId, memberIds);
      const record = await this.directory.createGroup(tx, organizationId, { ...group, memberIds });
      await this.record(tx, organizationId, actor, 'directory.group.created', 'group', record.id, {
        displayName: record.displayName,
        addedUserIds: memberIds,
      });
      return record;
    });
    await this.changed({ organizationId, userIds: memberIds, groupIds: [created.id] });
    return created;
  }

  // Like updateUser: `change` sees the current group with all its member ids.
  async updateGroup(
    organizationId: string,
    id: string,
    change: (current: DirectoryGroupRecord & { memberIds: string[] }) => GroupWrite,
    actor: DirectoryActor,
    options: WriteOptions = {},
  ): Promise<DirectoryGroupRecord> {
    let affected: string[] = [];
    const updated = await this.write(organizationId, async (tx) => {
      await this.lock(tx, organizationId, id, 'group', options);
      const current = await tx.directoryGroup.findFirstOrThrow({ where: { id } });
      const currentIds = await this.directory.memberIds(tx, id);
      const next = change({ ...current, memberIds: currentIds });
      const before = new Set(currentIds);
      const after = new Set(next.memberIds);
      const added = [...after].filter((userId) => !before.has(userId));
      const removed = currentIds.filter((userId) => !after.has(userId));
      await this.checkMembers(tx, organizationId, added);
      await this.directory.removeMembers(tx, organizationId, id, removed);
      await this.directory.addMembers(tx, organizationId, id, added);
      const record = await this.directory.updateGroup(tx, id, {
        displayName: next.displayName,
        externalId: next.externalId,
      });
      await this.record(tx, organizationId, actor, 'directory.group.updated', 'group', id, {
        displayName: record.displayName,
        addedUserIds: added,
        removedUserIds: removed,
      });
      affected = [...added, ...removed];
      return {
        ...record,
        memberIds: [...currentIds.filter((userId) => after.has(userId)), ...added],
      };
    });
    await this.changed({ organizationId, userIds: affected, groupIds: [id] });
    return updated;
  }

  async deleteGroup(
    organizationId: string,
    id: string,
    actor: DirectoryActor,
    options: WriteOptions = {},
  ): Promise<void> {
    const memberIds = await this.write(organizationId, async (tx) => {
      await this.lock(tx, organizationId, id, 'group', options);
      const members = await this.directory.memberIds(tx, id);
      const bindings = await this.directory.deleteRoleBindings(tx, 'group', id);
      const spendLimits = await this.directory.deleteSpendLimits(tx, 'group', id);
      await this.directory.deleteGroup(tx, id);
      await this.record(tx, organizationId, actor, 'directory.group.deleted', 'group', id, {
        removedRoleBindings: bindings,
        removedSpendLimits: spendLimits,
      });
      return members;
    });
    await this.changed({ organizationId, userIds: memberIds, groupIds: [id] });
  }

  private async write<T>(
    organizationId: string,
    work: (tx: DirectoryTx) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.directory.transaction(organizationId, work);
    } catch (error) {
      throw this.uniqueness(error);
    }
  }

  // userName is the only unique column a client sets. Raw statements report the violation as a
  // failed raw query (P2010) carrying the driver adapter's error.
  private uniqueness(error: unknown): unknown {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return error;
    const adapterError = error.meta?.driverAdapterError as
      { cause?: { kind?: string } } | undefined;
    const unique =
      error.code === 'P2002' ||
      (error.code === 'P2010' && adapterError?.cause?.kind === 'UniqueConstraintViolation');
    return unique ? new DirectoryError('user_name_taken', 'userName is already taken') : error;
  }

  private async lock(
    tx: DirectoryTx,
    organizationId: string,
    id: string,
    kind: 'user' | 'group',
    options: WriteOptions,
  ): Promise<void> {
    const version = isDirectoryId(id)
      ? await (kind === 'user' ? this.directory.lockUser : this.directory.lockGroup).call(
          this.directory,
          tx,
          organizationId,
          id,
        )
      : null;
    if (version === null) throw new DirectoryError('not_found', `no ${kind} ${id}`);
    if (options.ifVersion !== undefined && options.ifVersion !== version) {
      throw new DirectoryError('version_mismatch', `${kind} ${id} is at another version`);
    }
  }

  private async checkMembers(
    tx: DirectoryTx,
    organizationId: string,
    userIds: string[],
  ): Promise<void> {
    if (!userIds.length) return;
    const wellFormed = userIds.filter(isDirectoryId);
    const existing = new Set(
      wellFormed.length ? await this.directory.existingUserIds(tx, organizationId, wellFormed) : [],
    );
    const unknown = userIds.filter((userId) => !existing.has(userId));
    if (unknown.length) {
      throw new DirectoryError(
        'unknown_members',
        `no user ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`,
      );
    }
  }

  private record(
    tx: DirectoryTx,
    organizationId: string,
    actor: DirectoryActor,
    action: string,
    resourceType: 'user' | 'group',
    resourceId: string,
    data: AuditEntry['data'],
  ): Promise<void> {
    // The scoped transaction client is a Prisma transaction client with the organization filter on
    // top; the audit chain only writes this organization's rows.
    return this.audit.record(
      organizationId,
      { actorType: actor.type, actorId: actor.id, action, resourceType, resourceId, data },
      tx as unknown as AuditTx,
    );
  }

  private async changed(change: DirectoryChanged): Promise<void> {
    await this.bus.publish(DIRECTORY_CHANGED_CHANNEL, JSON.stringify(change));
  }
}
