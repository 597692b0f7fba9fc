import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { AuditService } from '../audit/audit.service';
import { PropagationService } from '../propagation/propagation.service';
import { DirectoryRepository } from './directory.repository';
import type { DirectoryTx, RawReader } from './directory.repository';
import { DIRECTORY_CHANGED_CHANNEL, DirectoryError, DirectoryErrorCode } from './directory.types';
import type {
  DirectoryActor,
  DirectoryChanged,
  DirectoryFilter,
  DirectoryGroupRecord,
  DirectorySubject,
  DirectoryUserRecord,
  GroupWrite,
  Page,
  UserWrite,
} from './directory.types';
import { isUuid } from '../../platform/database/uuid';

// One spelling per id (UUIDs are case-insensitive), so the audit log and memberships name each
// record one way whatever case a client sent.
function canonicalId(id: string): string {
  return isUuid(id) ? id.toLowerCase() : id;
}

export interface ListOptions {
  filter?: DirectoryFilter;
  skip?: number;
  take?: number;
}

export interface WriteOptions {
  // Optimistic concurrency: the change applies only to this version (SCIM If-Match).
  ifVersion?: number;
  // Longest the write may take before it is rolled back (`busy`); the repository's default else.
  deadlineMs?: number;
}

const DEFAULT_PAGE = 100;

// Removes what names a deleted user or group, in the deleting transaction; returns audit data.
export type SubjectDeletionHook = (
  tx: DirectoryTx,
  subject: DirectorySubject,
) => Promise<Record<string, unknown>>;

// The directory's rules: versions, uniqueness, membership integrity, the audit record and the
// propagation record (the outbox that carries the change to endpoints) committed with each change,
// and the `directory.changed` signal published after commit. Governance and bundles read users,
// groups and memberships through this service only.
@Injectable()
export class DirectoryService {
  private readonly logger = new Logger('Directory');
  private readonly deletionHooks: SubjectDeletionHook[] = [];

  constructor(
    private readonly directory: DirectoryRepository,
    private readonly audit: AuditService,
    private readonly propagation: PropagationService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async findUser(organizationId: string, id: string): Promise<DirectoryUserRecord | null> {
    return isUuid(id) ? this.directory.findUser(organizationId, id) : null;
  }

  // Whether each user exists, may use the agent, and when they (or their memberships) last changed.
  async userStates(
    organizationId: string,
    userIds: string[],
  ): Promise<Map<string, { active: boolean; updatedAt: Date }>> {
    const ids = userIds.filter(isUuid);
    const rows = ids.length ? await this.directory.userStates(organizationId, ids) : [];
    return new Map(
      rows.map((row) => [row.id, { active: row.active === true, updatedAt: row.updatedAt }]),
    );
  }

  // The people whose record (memberships included) was written at or after `since`.
  async usersWrittenSince(organizationId: string, since: Date): Promise<string[]> {
    return this.directory.usersWrittenSince(organizationId, since);
  }

  async groupIdsOfUser(organizationId: string, userId: string): Promise<string[]> {
    return isUuid(userId) ? this.directory.groupIdsOfUser(organizationId, userId) : [];
  }

  // Each user's groups (id and display name), for SCIM's read-only `groups` attribute.
  // `reader`: the caller's transaction, when the read must see it or run on its connection.
  async groupsOfUsers(
    organizationId: string,
    userIds: string[],
    reader?: RawReader,
  ): Promise<Map<string, { id: string; displayName: string }[]>> {
    const byUser = new Map<string, { id: string; displayName: string }[]>();
    if (!userIds.length) return byUser;
    for (const row of await this.directory.groupsOfUsers(organizationId, userIds, reader)) {
      const groups = byUser.get(row.userId) ?? [];
      groups.push({ id: row.groupId, displayName: row.displayName });
      byUser.set(row.userId, groups);
    }
    return byUser;
  }

  listUsers(organizationId: string, options: ListOptions = {}): Promise<Page<DirectoryUserRecord>> {
    return this.directory.listUsers(
      organizationId,
      options.filter,
      options.skip ?? 0,
      options.take ?? DEFAULT_PAGE,
    );
  }

  async findGroup(
    organizationId: string,
    id: string,
    options: { members: boolean },
  ): Promise<DirectoryGroupRecord | null> {
    return isUuid(id) ? this.directory.findGroup(organizationId, id, options.members) : null;
  }

  listGroups(
    organizationId: string,
    options: ListOptions & { members?: boolean } = {},
  ): Promise<Page<DirectoryGroupRecord>> {
    return this.directory.listGroups(
      organizationId,
      options.filter,
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
    return this.directory.createUser(organizationId, user, (userId) =>
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
    id = canonicalId(id);
    const updated = await this.write(organizationId, options, async (tx) => {
      await this.lock(tx, organizationId, id, 'user', options);
      const current = await this.directory.findUserForUpdate(tx, id);
      const next = change(current);
      const record = await this.directory.replaceUser(tx, organizationId, id, next);
      await this.audit.recordIn(tx, organizationId, actor, 'directory.user.updated', 'user', id, {
        userName: record.userName,
        active: record.active,
        ...(current.active !== record.active ? { activeChanged: true } : {}),
      });
      await this.propagate(tx, { organizationId, userIds: [id], groupIds: [] });
      return record;
    });
    await this.changed({ organizationId, userIds: [id], groupIds: [] });
    return updated;
  }

  async createGroup(
    organizationId: string,
    group: GroupWrite,
    actor: DirectoryActor,
  ): Promise<DirectoryGroupRecord> {
    const memberIds = [...new Set(group.memberIds.map(canonicalId))];
    const created = await this.write(organizationId, {}, async (tx) => {
      await this.checkMembers(tx, organizationId, memberIds);
      const record = await this.directory.createGroup(tx, organizationId, { ...group, memberIds });
      await this.directory.touch(tx, organizationId, 'user', memberIds);
      await this.audit.recordIn(
        tx,
        organizationId,
        actor,
        'directory.group.created',
        'group',
        record.id,
        {
          displayName: record.displayName,
          addedUserIds: memberIds,
        },
      );
      await this.propagate(tx, { organizationId, userIds: memberIds, groupIds: [record.id] });
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
    id = canonicalId(id);
    let affected: string[] = [];
    const updated = await this.write(organizationId, options, async (tx) => {
      await this.lock(tx, organizationId, id, 'group', options);
      const current = await this.directory.findGroupForUpdate(tx, id);
      const currentIds = await this.directory.memberIds(tx, id);
      const next = change({ ...current, memberIds: currentIds });
      const before = new Set(currentIds);
      const after = new Set(next.memberIds.map(canonicalId));
      const added = [...after].filter((userId) => !before.has(userId));
      const removed = currentIds.filter((userId) => !after.has(userId));
      await this.checkMembers(tx, organizationId, added);
      await this.directory.changeMembers(tx, 'remove', organizationId, id, removed);
      await this.directory.changeMembers(tx, 'add', organizationId, id, added);
      const record = await this.directory.updateGroup(tx, id, {
        displayName: next.displayName,
        externalId: next.externalId,
      });
      // Members' `groups` carry the group's name: a rename changes every member.
      const renamed = record.displayName !== current.displayName;
      await this.directory.touch(
        tx,
        organizationId,
        'user',
        renamed
          ? [...currentIds.filter((userId) => after.has(userId)), ...added, ...removed]
          : [...added, ...removed],
      );
      await this.audit.recordIn(tx, organizationId, actor, 'directory.group.updated', 'group', id, {
        displayName: record.displayName,
        addedUserIds: added,
        removedUserIds: removed,
      });
      affected = [...added, ...removed];
      await this.propagate(tx, { organizationId, userIds: affected, groupIds: [id] });
      return {
        ...record,
        memberIds: [...currentIds.filter((userId) => after.has(userId)), ...added],
      };
    });
    await this.changed({ organizationId, userIds: affected, groupIds: [id] });
    return updated;
  }

  // Deletes a user or group with the rows that name it, and touches the records of the other kind
  // it was related to (a user's groups, a group's members): their SCIM views change.
  async delete(
    organizationId: string,
    subject: DirectorySubject,
    actor: DirectoryActor,
    options: WriteOptions = {},
  ): Promise<void> {
    const { type } = subject;
    const id = canonicalId(subject.id);
    const steps = this.deletion(type, id);
    const related = await this.write(organizationId, options, async (tx) => {
      await this.lock(tx, organizationId, id, type, options);
      const ids = await steps.related(tx);
      const removed = await this.removeDependents(tx, { type, id });
      await steps.delete(tx);
      await this.directory.touch(tx, organizationId, type === 'user' ? 'group' : 'user', ids);
      await this.audit.recordIn(
        tx,
        organizationId,
        actor,
        `directory.${type}.deleted`,
        type,
        id,
        removed,
      );
      await this.propagate(tx, { organizationId, ...steps.republish(ids) });
      return ids;
    });
    await this.changed({ organizationId, ...steps.announce(related) });
  }

  // What deleting a user or group involves besides the rows that name it: the records of the other
  // kind it is related to, and the change to republish in the transaction and announce after it.
  private deletion(type: DirectorySubject['type'], id: string) {
    return type === 'user'
      ? {
          related: (tx: DirectoryTx) => this.directory.groupIdsOfUserIn(tx, id),
          delete: (tx: DirectoryTx) => this.directory.deleteUser(tx, id),
          republish: (groupIds: string[]) => ({ userIds: [id], groupIds }),
          announce: (groupIds: string[]) => ({ userIds: [id], groupIds }),
        }
      : {
          related: (tx: DirectoryTx) => this.directory.memberIds(tx, id),
          delete: (tx: DirectoryTx) => this.directory.deleteGroup(tx, id),
          // The group itself has no one left to republish.
          republish: (userIds: string[]) => ({ userIds, groupIds: [] }),
          announce: (userIds: string[]) => ({ userIds, groupIds: [id] }),
        };
  }

  // Rows of other modules that name a user or group by id (role bindings, spend limits: no foreign
  // key can say so) go in the transaction that deletes it. Their owners register here, since they
  // depend on the directory and not the other way round; what each removed goes in the audit record.
  onSubjectDeleted(hook: SubjectDeletionHook): void {
    this.deletionHooks.push(hook);
  }

  private async removeDependents(
    tx: DirectoryTx,
    subject: DirectorySubject,
  ): Promise<Record<string, unknown>> {
    const removed: Record<string, unknown> = {};
    for (const hook of this.deletionHooks) Object.assign(removed, await hook(tx, subject));
    return removed;
  }

  private write<T>(
    organizationId: string,
    options: WriteOptions,
    work: (tx: DirectoryTx) => Promise<T>,
  ): Promise<T> {
    return this.directory.transaction(organizationId, work, options.deadlineMs);
  }

  private async lock(
    tx: DirectoryTx,
    organizationId: string,
    id: string,
    kind: 'user' | 'group',
    options: WriteOptions,
  ): Promise<void> {
    const version = isUuid(id)
      ? await (kind === 'user' ? this.directory.lockUser : this.directory.lockGroup).call(
          this.directory,
          tx,
          organizationId,
          id,
        )
      : null;
    if (version === null) throw new DirectoryError(DirectoryErrorCode.NotFound, `no ${kind} ${id}`);
    if (options.ifVersion !== undefined && options.ifVersion !== version) {
      throw new DirectoryError(
        DirectoryErrorCode.VersionMismatch,
        `${kind} ${id} is at another version`,
      );
    }
  }

  private async checkMembers(
    tx: DirectoryTx,
    organizationId: string,
    userIds: string[],
  ): Promise<void> {
    if (!userIds.length) return;
    const wellFormed = userIds.filter(isUuid);
    const existing = new Set(
      wellFormed.length ? await this.directory.existingUserIds(tx, organizationId, wellFormed) : [],
    );
    const unknown = userIds.filter((userId) => !existing.has(userId));
    if (unknown.length) {
      throw new DirectoryError(
        DirectoryErrorCode.UnknownMembers,
        `no user ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ` (and ${unknown.length - 5} more)` : ''}`,
      );
    }
  }

  // In the change's transaction: the record that its users' bundles must be republished.
  private propagate(tx: DirectoryTx, change: DirectoryChanged): Promise<void> {
    return this.propagation.record(tx, { ...change, reason: 'directory.changed' });
  }

  // After the commit, best effort: wakes the propagation dispatcher and drops other replicas'
  // cached views. Redis being away never turns a committed change into an error answer.
  private async changed(change: DirectoryChanged): Promise<void> {
    this.propagation.announce(change.organizationId);
    try {
      await this.bus.publish(DIRECTORY_CHANGED_CHANNEL, JSON.stringify(change));
    } catch (error) {
      this.logger.debug(`directory.changed not sent: ${String(error)}`);
    }
  }
}
