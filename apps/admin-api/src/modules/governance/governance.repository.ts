import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import type { ScopedTx } from '../../platform/database/org-scope';
import { PrismaService } from '../../platform/database/prisma.service';
import type { CatalogueTool, ConnectorWrite, RoleWrite, Subject } from './governance.types';

// The organization-scoped client inside a transaction.
export type GovernanceTx = ScopedTx;

export const ROLE_INCLUDE = {
  connectorRules: { include: { connector: { select: { name: true } } } },
  folderRoots: true,
  bindings: { orderBy: { createdAt: 'asc' } },
} as const satisfies Prisma.GovernanceRoleInclude;

export type RoleRecord = Prisma.GovernanceRoleGetPayload<{ include: typeof ROLE_INCLUDE }>;

export const CONNECTOR_INCLUDE = {
  tools: { orderBy: { name: 'asc' } },
} as const satisfies Prisma.ConnectorInclude;

export type ConnectorRecord = Prisma.ConnectorGetPayload<{ include: typeof CONNECTOR_INCLUDE }>;

// Only database access; the rules live in the governance services (RolesService, ConnectorsService,
// FoldersService, GovernanceSettingsService) and the compiler reads through it too.
@Injectable()
export class GovernanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(organizationId: string, work: (tx: GovernanceTx) => Promise<T>): Promise<T> {
    return this.prisma.forOrganization(organizationId).$transaction((tx) => work(tx), {
      timeout: 30_000,
    });
  }

  private db(organizationId: string) {
    return this.prisma.forOrganization(organizationId);
  }

  listRoles(organizationId: string): Promise<RoleRecord[]> {
    return this.db(organizationId).governanceRole.findMany({
      include: ROLE_INCLUDE,
      orderBy: { name: 'asc' },
    });
  }

  findRole(organizationId: string, id: string, tx?: GovernanceTx): Promise<RoleRecord | null> {
    return (tx ?? this.db(organizationId)).governanceRole.findFirst({
      where: { id },
      include: ROLE_INCLUDE,
    });
  }

  // The bindings that reach a user directly or through any of `groupIds`, with their roles.
  bindingsReaching(organizationId: string, userId: string, groupIds: string[]) {
    return this.db(organizationId).roleBinding.findMany({
      where: {
        OR: [
          { subjectType: 'user', subjectId: userId },
          ...(groupIds.length
            ? [{ subjectType: 'group' as const, subjectId: { in: groupIds } }]
            : []),
        ],
      },
      include: { role: { include: ROLE_INCLUDE } },
    });
  }

  async createRole(tx: GovernanceTx, organizationId: string, role: RoleWrite): Promise<string> {
    const created = await tx.governanceRole.create({
      data: {
        organizationId,
        name: role.name,
        description: role.description,
        capabilities: role.capabilities,
      },
    });
    await this.writeRoleRules(tx, organizationId, created.id, role);
    return created.id;
  }

  async replaceRole(tx: GovernanceTx, organizationId: string, id: string, role: RoleWrite) {
    await tx.governanceRole.update({
      where: { id },
      data: { name: role.name, description: role.description, capabilities: role.capabilities },
    });
    await tx.roleConnectorRule.deleteMany({ where: { roleId: id } });
    await tx.roleFolderRoot.deleteMany({ where: { roleId: id } });
    await this.writeRoleRules(tx, organizationId, id, role);
  }

  private async writeRoleRules(
    tx: GovernanceTx,
    organizationId: string,
    roleId: string,
    role: RoleWrite,
  ): Promise<void> {
    if (role.connectorRules.length) {
      await tx.roleConnectorRule.createMany({
        data: role.connectorRules.map((rule) => ({
          organizationId,
          roleId,
          connectorId: rule.connectorId,
          read: rule.read,
          write: rule.write,
          toolOverrides: Object.fromEntries(
            rule.toolOverrides.map((override) => [override.tool, override.decision]),
          ),
        })),
      });
    }
    if (role.folderRoots.length) {
      await tx.roleFolderRoot.createMany({
        data: role.folderRoots.map((root) => ({ organizationId, roleId, ...root })),
      });
    }
  }

  async deleteRole(tx: GovernanceTx, id: string): Promise<void> {
    await tx.governanceRole.deleteMany({ where: { id } });
  }

  findBinding(organizationId: string, id: string, tx?: GovernanceTx) {
    return (tx ?? this.db(organizationId)).roleBinding.findFirst({ where: { id } });
  }

  createBinding(
    tx: GovernanceTx,
    organizationId: string,
    roleId: string,
    subjectType: Subject,
    subjectId: string,
  ) {
    return tx.roleBinding.create({ data: { organizationId, roleId, subjectType, subjectId } });
  }

  async deleteBinding(tx: GovernanceTx, id: string): Promise<void> {
    await tx.roleBinding.deleteMany({ where: { id } });
  }

  existingConnectorIds(organizationId: string, ids: string[], tx?: GovernanceTx) {
    return (tx ?? this.db(organizationId)).connector
      .findMany({ where: { id: { in: ids } }, select: { id: true } })
      .then((rows) => rows.map((row) => row.id));
  }

  listConnectors(organizationId: string): Promise<ConnectorRecord[]> {
    return this.db(organizationId).connector.findMany({
      include: CONNECTOR_INCLUDE,
      orderBy: { name: 'asc' },
    });
  }

  findConnector(
    organizationId: string,
    id: string,
    tx?: GovernanceTx,
  ): Promise<ConnectorRecord | null> {
    return (tx ?? this.db(organizationId)).connector.findFirst({
      where: { id },
      include: CONNECTOR_INCLUDE,
    });
  }

  createConnector(tx: GovernanceTx, organizationId: string, connector: ConnectorWrite) {
    return tx.connector.create({ data: { organizationId, ...connector } });
  }

  updateConnector(tx: GovernanceTx, id: string, connector: ConnectorWrite) {
    return tx.connector.update({ where: { id }, data: connector });
  }

  async deleteConnector(tx: GovernanceTx, id: string): Promise<void> {
    await tx.connector.deleteMany({ where: { id } });
  }

  // Replaces the catalogue by tool name, keeping each surviving tool's override and approval.
  async replaceTools(
    tx: GovernanceTx,
    organizationId: string,
    connectorId: string,
    tools: CatalogueTool[],
  ): Promise<void> {
    await tx.connectorTool.deleteMany({
      where: { connectorId, name: { notIn: tools.map((tool) => tool.name) } },
    });
    for (const tool of tools) {
      await tx.connectorTool.upsert({
        where: { connectorId_name: { connectorId, name: tool.name } },
        create: {
          organizationId,
          connectorId,
          name: tool.name,
          description: tool.description,
          annotations: tool.annotations as Prisma.InputJsonValue,
        },
        update: {
          description: tool.description,
          annotations: tool.annotations as Prisma.InputJsonValue,
        },
      });
    }
    await tx.connector.update({ where: { id: connectorId }, data: { importedAt: new Date() } });
  }

  async setToolKind(
    tx: GovernanceTx,
    connectorId: string,
    tool: string,
    kind: 'read' | 'write' | null,
  ): Promise<number> {
    const result = await tx.connectorTool.updateMany({
      where: { connectorId, name: tool },
      data: { kindOverride: kind },
    });
    return result.count;
  }

  async approveCatalogue(
    tx: GovernanceTx,
    connectorId: string,
    fingerprints: Map<string, string>,
    hash: string,
  ): Promise<void> {
    for (const [name, fingerprint] of fingerprints) {
      await tx.connectorTool.updateMany({
        where: { connectorId, name },
        data: { approvedFingerprint: fingerprint },
      });
    }
    await tx.connector.update({
      where: { id: connectorId },
      data: { approvedHash: hash, approvedAt: new Date() },
    });
  }

  // The newest write time among the organization's governance rows (deletions leave none).
  async lastWriteAt(organizationId: string): Promise<Date | null> {
    const [row] = await this.prisma.$queryRaw<{ at: Date | null }[]>`
      SELECT GREATEST(
        (SELECT max("updatedAt") FROM "GovernanceRole" WHERE "organizationId" = ${organizationId}::uuid),
        (SELECT max("createdAt") FROM "RoleBinding" WHERE "organizationId" = ${organizationId}::uuid),
        (SELECT max("updatedAt") FROM "Connector" WHERE "organizationId" = ${organizationId}::uuid),
        (SELECT max("updatedAt") FROM "GovernanceSettings" WHERE "organizationId" = ${organizationId}::uuid),
        (SELECT max("createdAt") FROM "FolderCeilingEntry" WHERE "organizationId" = ${organizationId}::uuid)
      ) AS at`;
    return row?.at ?? null;
  }

  settings(organizationId: string, tx?: GovernanceTx) {
    return (tx ?? this.db(organizationId)).governanceSettings.findFirst({});
  }

  upsertSettings(
    tx: GovernanceTx,
    organizationId: string,
    data: {
      disabledCeilingDefaults?: string[];
      autoApprovePlansAllowed?: boolean;
      webAllowedHosts?: string[];
      leaseRequired?: boolean;
      maxLeaseUsd?: string;
      offlineAllowanceUsd?: string;
    },
  ) {
    return tx.governanceSettings.upsert({
      where: { organizationId },
      create: { organizationId, disabledCeilingDefaults: [], ...data },
      update: data,
    });
  }

  ceilingEntries(organizationId: string) {
    return this.db(organizationId).folderCeilingEntry.findMany({ orderBy: { createdAt: 'asc' } });
  }

  createCeilingEntry(
    tx: GovernanceTx,
    organizationId: string,
    entry: { pattern: string; scope: 'subtree' | 'root'; os: string[]; description: string },
  ) {
    return tx.folderCeilingEntry.create({ data: { organizationId, ...entry } });
  }

  async deleteCeilingEntry(tx: GovernanceTx, id: string): Promise<number> {
    return (await tx.folderCeilingEntry.deleteMany({ where: { id } })).count;
  }

  // A role binding names its subject (a user or a group) by type and id, which no foreign key can
  // express: a subject's bindings go in the transaction that deletes it (DirectoryService's
  // deletion hook).
  async deleteRoleBindingsOf(
    tx: GovernanceTx,
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
}
