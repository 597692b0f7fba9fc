import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../../generated/prisma/client';
import { AdminRole } from '../../../generated/prisma/enums';
import { PrismaService } from '../../../platform/database/prisma.service';

export interface SamlConnectionInput {
  idpEntityId: string;
  ssoUrl: string;
  signingCertificates: string[];
  groupsAttribute: string;
}

@Injectable()
export class SamlRepository {
  constructor(private readonly prisma: PrismaService) {}

  findConnection(organizationId: string) {
    return this.prisma
      .forOrganization(organizationId)
      .samlConnection.findUnique({ where: { organizationId } });
  }

  saveConnection(organizationId: string, data: SamlConnectionInput) {
    return this.prisma.forOrganization(organizationId).samlConnection.upsert({
      where: { organizationId },
      create: { ...data, organizationId },
      update: { ...data, updatedAt: new Date() },
    });
  }

  async deleteConnection(organizationId: string): Promise<boolean> {
    const { count } = await this.prisma
      .forOrganization(organizationId)
      .samlConnection.deleteMany({ where: {} });
    return count > 0;
  }

  transaction<T>(work: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(work);
  }

  async recordSignIn(tx: Prisma.TransactionClient, organizationId: string, at: Date) {
    await tx.samlConnection.update({ where: { organizationId }, data: { lastSignInAt: at } });
  }

  listRoleMappings(organizationId: string) {
    return this.prisma.forOrganization(organizationId).adminRoleMapping.findMany({
      orderBy: [{ idpGroup: 'asc' }],
    });
  }

  findRoleMapping(organizationId: string, idpGroup: string) {
    return this.prisma.forOrganization(organizationId).adminRoleMapping.findUnique({
      where: { organizationId_idpGroup: { organizationId, idpGroup } },
    });
  }

  saveRoleMapping(organizationId: string, idpGroup: string, role: AdminRole) {
    return this.prisma.forOrganization(organizationId).adminRoleMapping.upsert({
      where: { organizationId_idpGroup: { organizationId, idpGroup } },
      create: { organizationId, idpGroup, role },
      update: { role },
    });
  }

  async deleteRoleMapping(organizationId: string, idpGroup: string): Promise<boolean> {
    const { count } = await this.prisma
      .forOrganization(organizationId)
      .adminRoleMapping.deleteMany({ where: { idpGroup } });
    return count > 0;
  }

  rolesForGroups(organizationId: string, groups: string[]) {
    return this.prisma.forOrganization(organizationId).adminRoleMapping.findMany({
      where: { idpGroup: { in: groups } },
      select: { idpGroup: true, role: true },
    });
  }
}
