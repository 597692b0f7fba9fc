import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../platform/database/prisma.service';
import type { ScopedTx } from '../../platform/database/org-scope';
import { faultOf } from '../../platform/database/faults';
import { directoryFault } from './directory.faults';
import { groupCondition, userCondition } from './directory-filter.repository';
import type {
  ContactWrite,
  DirectoryFilter,
  DirectoryGroup,
  DirectoryGroupRecord,
  DirectoryUserRecord,
  GroupWrite,
  Page,
  UserWrite,
} from './directory.types';

// Anything that runs a raw query: the client, or a caller's transaction.
export interface RawReader {
  $queryRaw<T>(query: TemplateStringsArray, ...values: unknown[]): Promise<T>;
}

// The organization-scoped client inside a transaction.
export type DirectoryTx = ScopedTx;

// $1 the organization, $2 the group, $3 the users.
const MEMBERSHIP_SQL = {
  add: `INSERT INTO "DirectoryGroupMember" ("organizationId", "groupId", "userId")
        SELECT $1::uuid, $2::uuid, u FROM unnest($3::uuid[]) AS u
        ON CONFLICT DO NOTHING`,
  remove: `DELETE FROM "DirectoryGroupMember"
           WHERE "organizationId" = $1::uuid AND "groupId" = $2::uuid AND "userId" = ANY($3::uuid[])`,
};

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

const ATTEMPTS = 3;

// How long a write may take, from waiting for a connection to its commit.
export const DEFAULT_WRITE_DEADLINE_MS = 30_000;

// Rows fetched by id, in the order of the ids.
function inOrder<T extends { id: string }>(rows: T[], ids: string[]): T[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

// Only database access; the rules (versions, audit, events) live in DirectoryService.
@Injectable()
export class DirectoryRepository {
  constructor(private readonly prisma: PrismaService) {}

  // Runs `work` in a transaction that ends within `deadlineMs`: a fifth of it to start, the rest to
  // run, each statement cancelled by Postgres past that (a lock held elsewhere cannot stall it).
  // Past the deadline nothing is written and the error is `busy`.
  async transaction<T>(
    organizationId: string,
    work: (tx: DirectoryTx) => Promise<T>,
    deadlineMs = DEFAULT_WRITE_DEADLINE_MS,
  ): Promise<T> {
    const maxWait = Math.ceil(deadlineMs / 5);
    const timeout = deadlineMs - maxWait;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.prisma.forOrganization(organizationId).$transaction(
          async (tx) => {
            await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${timeout}`);
            return work(tx);
          },
          { maxWait, timeout },
        );
      } catch (error) {
        if (attempt < ATTEMPTS && faultOf(error) === 'retry') continue;
        throw directoryFault(error);
      }
    }
  }

  userStates(organizationId: string, ids: string[]) {
    return this.prisma.forOrganization(organizationId).directoryUser.findMany({
      where: { id: { in: ids } },
      select: { id: true, active: true, updatedAt: true },
    });
  }

  async usersWrittenSince(organizationId: string, since: Date): Promise<string[]> {
    const rows = await this.prisma.forOrganization(organizationId).directoryUser.findMany({
      where: { updatedAt: { gte: since } },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }

  findUser(organizationId: string, id: string): Promise<DirectoryUserRecord | null> {
    return this.prisma
      .forOrganization(organizationId)
      .directoryUser.findFirst({ where: { id }, include: USER_INCLUDE });
  }

  async listUsers(
    organizationId: string,
    filter: DirectoryFilter | undefined,
    skip: number,
    take: number,
  ): Promise<Page<DirectoryUserRecord>> {
    const db = this.prisma.forOrganization(organizationId);
    if (filter) {
      const page = await this.filteredPage(
        'user',
        userCondition(filter),
        organizationId,
        skip,
        take,
      );
      const rows = page.ids.length
        ? await db.directoryUser.findMany({
            where: { id: { in: page.ids } },
            include: USER_INCLUDE,
          })
        : [];
      return { total: page.total, items: inOrder(rows, page.ids) };
    }
    const [total, items] = await Promise.all([
      db.directoryUser.count(),
      take > 0
        ? db.directoryUser.findMany({
            include: USER_INCLUDE,
            orderBy: [...STABLE_ORDER],
            skip,
            take,
          })
        : Promise.resolve([]),
    ]);
    return { total, items };
  }

  // The ids of one page of filtered users or groups (aliased u or g, as `condition` names them) in
  // the stable order, and how many match. The count rides on the page's rows; only an empty page
  // needs a query of its own.
  private async filteredPage(
    kind: 'user' | 'group',
    condition: Prisma.Sql,
    organizationId: string,
    skip: number,
    take: number,
  ): Promise<{ total: number; ids: string[] }> {
    const table = Prisma.raw(kind === 'user' ? '"DirectoryUser" u' : '"DirectoryGroup" g');
    const alias = Prisma.raw(kind === 'user' ? 'u' : 'g');
    const where = Prisma.sql`${alias}."organizationId" = ${organizationId}::uuid AND ${condition}`;
    const rows =
      take > 0
        ? await this.prisma.$queryRaw<{ id: string; total: bigint }[]>`
            SELECT ${alias}."id"::text AS id, count(*) OVER () AS total FROM ${table} WHERE ${where}
            ORDER BY ${alias}."createdAt", ${alias}."id" OFFSET ${skip}::int LIMIT ${take}::int`
        : [];
    if (rows.length) return { total: Number(rows[0].total), ids: rows.map((row) => row.id) };
    const [{ total }] = await this.prisma.$queryRaw<{ total: bigint }[]>`
      SELECT count(*) AS total FROM ${table} WHERE ${where}`;
    return { total: Number(total), ids: [] };
  }

  async groupIdsOfUser(organizationId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma
      .forOrganization(organizationId)
      .directoryGroupMember.findMany({ where: { userId }, select: { groupId: true } });
    return rows.map((row) => row.groupId);
  }

  // `reader` is the caller's transaction when it holds one: the embedded database serves every
  // connection from one session, so a read on another connection would wait for that transaction.
  async groupsOfUsers(
    organizationId: string,
    userIds: string[],
    reader: RawReader = this.prisma,
  ): Promise<{ userId: string; groupId: string; displayName: string }[]> {
    return reader.$queryRaw<{ userId: string; groupId: string; displayName: string }[]>`
      SELECT m."userId"::text AS "userId", m."groupId"::text AS "groupId", g."displayName"
      FROM "DirectoryGroupMember" m JOIN "DirectoryGroup" g ON g.id = m."groupId"
      WHERE m."organizationId" = ${organizationId}::uuid AND m."userId" = ANY(${userIds}::uuid[])
      ORDER BY m."groupId"`;
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
    await this.prisma
      .$queryRawUnsafe(
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
      )
      .catch((error: unknown) => {
        throw directoryFault(error);
      });
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

  // A user with their contacts, in the transaction that holds its lock.
  findUserForUpdate(tx: DirectoryTx, id: string) {
    return tx.directoryUser.findFirstOrThrow({ where: { id }, include: USER_INCLUDE });
  }

  findGroupForUpdate(tx: DirectoryTx, id: string) {
    return tx.directoryGroup.findFirstOrThrow({ where: { id } });
  }

  async groupIdsOfUserIn(tx: DirectoryTx, userId: string): Promise<string[]> {
    const rows = await tx.directoryGroupMember.findMany({
      where: { userId },
      select: { groupId: true },
    });
    return rows.map((row) => row.groupId);
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
    filter: DirectoryFilter | undefined,
    skip: number,
    take: number,
    withMembers: boolean,
  ): Promise<Page<DirectoryGroupRecord>> {
    const db = this.prisma.forOrganization(organizationId);
    const include = withMembers
      ? { members: { select: { userId: true }, orderBy: { createdAt: 'asc' as const } } }
      : undefined;
    let total: number;
    let groups: DirectoryGroup[];
    if (filter) {
      const page = await this.filteredPage(
        'group',
        groupCondition(filter),
        organizationId,
        skip,
        take,
      );
      total = page.total;
      groups = page.ids.length
        ? inOrder(
            await db.directoryGroup.findMany({ where: { id: { in: page.ids } }, include }),
            page.ids,
          )
        : [];
    } else {
      [total, groups] = await Promise.all([
        db.directoryGroup.count(),
        take > 0
          ? db.directoryGroup.findMany({ orderBy: [...STABLE_ORDER], skip, take, include })
          : Promise.resolve([]),
      ]);
    }
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
    await this.changeMembers(tx, 'add', organizationId, created.id, group.memberIds);
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

  // Adds or removes members of a group (one statement; users already in or out are left alone).
  async changeMembers(
    tx: DirectoryTx,
    change: 'add' | 'remove',
    organizationId: string,
    groupId: string,
    userIds: string[],
  ): Promise<void> {
    if (!userIds.length) return;
    await tx.$executeRawUnsafe(MEMBERSHIP_SQL[change], organizationId, groupId, userIds);
  }

  async deleteGroup(tx: DirectoryTx, id: string): Promise<void> {
    await tx.directoryGroup.deleteMany({ where: { id } });
  }

  // A user's groups and a group's members are attributes of each: a membership change moves the
  // version (ETag) and lastModified of every user and group on its other side. Rows are locked in
  // id order, so writers touching the same rows queue rather than deadlock.
  async touch(
    tx: DirectoryTx,
    organizationId: string,
    kind: 'user' | 'group',
    ids: string[],
  ): Promise<void> {
    if (!ids.length) return;
    const table = kind === 'user' ? '"DirectoryUser"' : '"DirectoryGroup"';
    await tx.$executeRawUnsafe(
      `UPDATE ${table} SET "version" = "version" + 1, "updatedAt" = $3::timestamp
       WHERE "id" IN (SELECT "id" FROM ${table}
                      WHERE "organizationId" = $1::uuid AND "id" = ANY($2::uuid[])
                      ORDER BY "id" FOR UPDATE)`,
      organizationId,
      ids,
      new Date().toISOString(),
    );
  }
}
