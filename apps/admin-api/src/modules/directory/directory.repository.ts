import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';
import type { ScopedPrisma } from '../../platform/database/org-scope';
import type {
  ContactWrite,
  DirectoryGroupRecord,
  DirectoryUserRecord,
  GroupWrite,
  Page,
  UserWrite,
} from './directory.types';

// The organization-scoped client inside a transaction.
export type DirectoryTx = Omit<
  ScopedPrisma,
  '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'
>;

const CONTACT_ORDER = { orderBy: { position: 'asc' } } as const;
const USER_INCLUDE = { emails: CONTACT_ORDER, phoneNumbers: CONTACT_ORDER } as const;
// Pages are stable under concurrent inserts: creation time, then id.
const STABLE_ORDER = [{ createdAt: 'asc' }, { id: 'asc' }] as const;

function phoneRows(organizationId: string, phones: ContactWrite[]) {
  return phones.map((phone, position) => ({ organizationId, position, ...phone }));
}

// Emails are compared case-insensitively, through an indexed lower-case copy.
function emailRows(organizationId: string, emails: ContactWrite[]) {
  return phoneRows(organizationId, emails).map((row) => ({
    ...row,
    valueLower: row.value.toLowerCase(),
  }));
}

function userColumns(user: UserWrite) {
  const { emails: _emails, phoneNumbers: _phones, addresses, ...columns } = user;
  return {
    ...columns,
    userNameLower: user.userName.toLowerCase(),
    addresses: addresses === null ? Prisma.DbNull : (addresses as Prisma.InputJsonValue),
  };
}

// Only database access; the rules (versions, audit, events) live in DirectoryService.
@Injectable()
export class DirectoryRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(organizationId: string, work: (tx: DirectoryTx) => Promise<T>): Promise<T> {
    return this.prisma.forOrganization(organizationId).$transaction((tx) => work(tx), {
      timeout: 30_000,
    });
  }

  findUser(organizationId: string, id: string): Promise<DirectoryUserRecord | null> {
    return this.prisma
      .forOrganization(organizationId)
      .directoryUser.findFirst({ where: { id }, include: USER_INCLUDE });
  }

  async listUsers(
    organizationId: string,
    where: Prisma.DirectoryUserWhereInput,
    skip: number,
    take: number,
  ): Promise<Page<DirectoryUserRecord>> {
    const db = this.prisma.forOrganization(organizationId);
    const [total, items] = await Promise.all([
      db.directoryUser.count({ where }),
      take > 0
        ? db.directoryUser.findMany({
            where,
            include: USER_INCLUDE,
            orderBy: [...STABLE_ORDER],
            skip,
            take,
          })
        : Promise.resolve([]),
    ]);
    return { total, items };
  }

  async groupIdsOfUser(organizationId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma
      .forOrganization(organizationId)
      .directoryGroupMember.findMany({ where: { userId }, select: { groupId: true } });
    return rows.map((row) => row.groupId);
  }

  async groupsOfUsers(
    organizationId: string,
    userIds: string[],
  ): Promise<{ userId: string; groupId: string; displayName: string }[]> {
    const rows = await this.prisma.forOrganization(organizationId).directoryGroupMember.findMany({
      where: { userId: { in: userIds } },
      select: { userId: true, groupId: true, group: { select: { displayName: true } } },
      orderBy: { groupId: 'asc' },
    });
    return rows.map((row) => ({ ...row, displayName: row.group.displayName }));
  }

  async lockUser(tx: DirectoryTx, organizationId: string, id: string): Promise<number | null> {
    const rows = await tx.$queryRaw<{ version: number }[]>`
      SELECT "version" FROM "DirectoryUser"
      WHERE "id" = ${id}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`;
    return rows[0]?.version ?? null;
  }

  // One INSERT ... RETURNING per table that has rows: a nested create with `include` costs two more
  // inserts' worth of round trips re-reading what was just written (SCIM creates are
  // round-trip bound).
  // The user, their emails and phone numbers and the audit record (`auditRecords`, from
  // AuditService.chainInput) in one statement: atomic without a transaction, and one round trip
  // for what IdPs do most, in bursts. A taken userName fails the whole statement (P2002).
  async createUser(
    organizationId: string,
    user: UserWrite,
    auditRecords: (userId: string) => string,
  ): Promise<DirectoryUserRecord> {
    const id = randomUUID();
    const now = new Date();
    const { addresses, ...columns } = userColumns(user);
    const created = {
      ...columns,
      addresses: addresses === Prisma.DbNull ? null : (addresses as Prisma.JsonValue),
      id,
      organizationId,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const emails = emailRows(organizationId, user.emails).map((row) => ({
      ...row,
      id: randomUUID(),
      userId: id,
    }));
    const phoneNumbers = phoneRows(organizationId, user.phoneNumbers).map((row) => ({
      ...row,
      id: randomUUID(),
      userId: id,
    }));
    await this.prisma.$queryRawUnsafe(
      `WITH created AS (
         INSERT INTO "DirectoryUser" SELECT * FROM jsonb_populate_record(NULL::"DirectoryUser", $1::jsonb)
       ), emails AS (
         INSERT INTO "DirectoryUserEmail"
         SELECT * FROM jsonb_populate_recordset(NULL::"DirectoryUserEmail", $2::jsonb)
       ), phones AS (
         INSERT INTO "DirectoryUserPhone"
         SELECT * FROM jsonb_populate_recordset(NULL::"DirectoryUserPhone", $3::jsonb)
       )
       SELECT steward_audit_append($4::uuid, $5::jsonb) AS "headSeq"`,
      JSON.stringify(created),
      JSON.stringify(emails),
      JSON.stringify(phoneNumbers),
      organizationId,
      auditRecords(id),
    );
    return { ...created, emails, phoneNumbers };
  }

  async replaceUser(
    tx: DirectoryTx,
    organizationId: string,
    id: string,
    user: UserWrite,
  ): Promise<DirectoryUserRecord> {
    await tx.directoryUserEmail.deleteMany({ where: { userId: id } });
    await tx.directoryUserPhone.deleteMany({ where: { userId: id } });
    await tx.directoryUser.updateMany({
      where: { id },
      data: { ...userColumns(user), version: { increment: 1 }, updatedAt: new Date() },
    });
    await tx.directoryUserEmail.createMany({
      data: emailRows(organizationId, user.emails).map((row) => ({ ...row, userId: id })),
    });
    await tx.directoryUserPhone.createMany({
      data: phoneRows(organizationId, user.phoneNumbers).map((row) => ({ ...row, userId: id })),
    });
    return tx.directoryUser.findFirstOrThrow({ where: { id }, include: USER_INCLUDE });
  }

  async deleteUser(tx: DirectoryTx, id: string): Promise<void> {
    await tx.directoryUser.deleteMany({ where: { id } });
  }

  // A role binding names its subject (a user or a group) by type and id, which no foreign key can
  // express, so the directory removes a subject's bindings in the transaction that deletes it.
  async deleteRoleBindings(
    tx: DirectoryTx,
    subjectType: 'user' | 'group',
    subjectId: string,
  ): Promise<{ id: string; roleId: string }[]> {
    const bindings = await tx.roleBinding.findMany({
      where: { subjectType, subjectId },
      select: { id: true, roleId: true },
      orderBy: { id: 'asc' },
    });
    if (bindings.length) {
      await tx.roleBinding.deleteMany({ where: { id: { in: bindings.map((b) => b.id) } } });
    }
    return bindings;
  }

  // Spend limits name their subject the same way; a deleted subject's limits go with it (their
  // period counters are keyed by limit id and are simply never read again).
  async deleteSpendLimits(
    tx: DirectoryTx,
    subjectType: 'user' | 'group',
    subjectId: string,
  ): Promise<{ id: string; period: string; amountUsd: string }[]> {
    const limits = await tx.spendLimit.findMany({
      where: { subjectType, subjectId },
      select: { id: true, period: true, amountUsd: true },
      orderBy: { id: 'asc' },
    });
    if (limits.length) {
      await tx.spendLimit.deleteMany({ where: { id: { in: limits.map((l) => l.id) } } });
    }
    return limits.map((limit) => ({ ...limit, amountUsd: limit.amountUsd.toFixed() }));
  }

  // Ids as one array parameter: IdPs send thousands in one group request, and a list of that many
  // bind parameters costs more to build than the lookup itself.
  async existingUserIds(tx: DirectoryTx, organizationId: string, ids: string[]): Promise<string[]> {
    const rows = await tx.$queryRawUnsafe<{ id: string }[]>(
      `SELECT id::text FROM "DirectoryUser" WHERE "organizationId" = $1::uuid AND id = ANY($2::uuid[])`,
      organizationId,
      ids,
    );
    return rows.map((row) => row.id);
  }

  async findGroup(
    organizationId: string,
    id: string,
    withMembers: boolean,
  ): Promise<DirectoryGroupRecord | null> {
    const group = await this.prisma.forOrganization(organizationId).directoryGroup.findFirst({
      where: { id },
      include: withMembers
        ? { members: { select: { userId: true }, orderBy: { createdAt: 'asc' } } }
        : undefined,
    });
    if (!group) return null;
    const { members, ...rest } = group as typeof group & { members?: { userId: string }[] };
    return { ...rest, ...(members ? { memberIds: members.map((member) => member.userId) } : {}) };
  }

  async listGroups(
    organizationId: string,
    where: Prisma.DirectoryGroupWhereInput,
    skip: number,
    take: number,
    withMembers: boolean,
  ): Promise<Page<DirectoryGroupRecord>> {
    const db = this.prisma.forOrganization(organizationId);
    const [total, groups] = await Promise.all([
      db.directoryGroup.count({ where }),
      take > 0
        ? db.directoryGroup.findMany({
            where,
            orderBy: [...STABLE_ORDER],
            skip,
            take,
            include: withMembers
              ? { members: { select: { userId: true }, orderBy: { createdAt: 'asc' } } }
              : undefined,
          })
        : Promise.resolve([]),
    ]);
    const items = groups.map((group) => {
      const { members, ...rest } = group as typeof group & { members?: { userId: string }[] };
      return { ...rest, ...(members ? { memberIds: members.map((member) => member.userId) } : {}) };
    });
    return { total, items };
  }

  async memberCounts(organizationId: string, groupIds: string[]): Promise<Map<string, number>> {
    const rows = await this.prisma.forOrganization(organizationId).directoryGroupMember.groupBy({
      by: ['groupId'],
      where: { groupId: { in: groupIds } },
      _count: { _all: true },
    });
    return new Map(rows.map((row) => [row.groupId, row._count._all]));
  }

  async lockGroup(tx: DirectoryTx, organizationId: string, id: string): Promise<number | null> {
    const rows = await tx.$queryRaw<{ version: number }[]>`
      SELECT "version" FROM "DirectoryGroup"
      WHERE "id" = ${id}::uuid AND "organizationId" = ${organizationId}::uuid FOR UPDATE`;
    return rows[0]?.version ?? null;
  }

  async memberIds(tx: DirectoryTx, groupId: string): Promise<string[]> {
    const rows = await tx.directoryGroupMember.findMany({
      where: { groupId },
      select: { userId: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((row) => row.userId);
  }

  async createGroup(
    tx: DirectoryTx,
    organizationId: string,
    group: GroupWrite,
  ): Promise<DirectoryGroupRecord> {
    const created = await tx.directoryGroup.create({
      data: { organizationId, displayName: group.displayName, externalId: group.externalId },
    });
    await this.addMembers(tx, organizationId, created.id, group.memberIds);
    return { ...created, memberIds: group.memberIds };
  }

  async updateGroup(
    tx: DirectoryTx,
    id: string,
    fields: { displayName: string; externalId: string | null },
  ): Promise<DirectoryGroupRecord> {
    await tx.directoryGroup.updateMany({
      where: { id },
      data: { ...fields, version: { increment: 1 }, updatedAt: new Date() },
    });
    return tx.directoryGroup.findFirstOrThrow({ where: { id } });
  }

  async addMembers(
    tx: DirectoryTx,
    organizationId: string,
    groupId: string,
    userIds: string[],
  ): Promise<void> {
    if (!userIds.length) return;
    await tx.$executeRawUnsafe(
      `INSERT INTO "DirectoryGroupMember" ("organizationId", "groupId", "userId")
       SELECT $1::uuid, $2::uuid, u FROM unnest($3::uuid[]) AS u
       ON CONFLICT DO NOTHING`,
      organizationId,
      groupId,
      userIds,
    );
  }

  async removeMembers(
    tx: DirectoryTx,
    organizationId: string,
    groupId: string,
    userIds: string[],
  ): Promise<void> {
    if (!userIds.length) return;
    await tx.$executeRawUnsafe(
      `DELETE FROM "DirectoryGroupMember"
       WHERE "organizationId" = $1::uuid AND "groupId" = $2::uuid AND "userId" = ANY($3::uuid[])`,
      organizationId,
      groupId,
      userIds,
    );
  }

  async deleteGroup(tx: DirectoryTx, id: string): Promise<void> {
    await tx.directoryGroup.deleteMany({ where: { id } });
  }
}
