import { Injectable } from '@nestjs/common';
import { AdminRole } from '../../generated/prisma/enums';
import { PrismaService } from '../../platform/database/prisma.service';

@Injectable()
export class AdminsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(organizationId: string, id: string) {
    return this.prisma.forOrganization(organizationId).admin.findUnique({ where: { id } });
  }

  findByEmail(organizationId: string, email: string) {
    return this.prisma
      .forOrganization(organizationId)
      .admin.findUnique({ where: { organizationId_email: { organizationId, email } } });
  }

  // Signs in (or creates) the admin with this email, with the role the sign-in grants.
  upsertSignIn(
    organizationId: string,
    data: { email: string; name?: string; role: AdminRole; source: string },
  ) {
    const now = new Date();
    return this.prisma.forOrganization(organizationId).admin.upsert({
      where: { organizationId_email: { organizationId, email: data.email } },
      create: { ...data, organizationId, lastSignInAt: now },
      update: { role: data.role, source: data.source, name: data.name, lastSignInAt: now },
    });
  }

  // Consumes the organization's bootstrap token: true for exactly one caller, and only while it is
  // valid. One UPDATE, so two simultaneous clicks can't both sign in.
  async consumeBootstrapToken(
    organizationId: string,
    tokenHash: string,
    now: Date,
  ): Promise<boolean> {
    const { count } = await this.prisma.organization.updateMany({
      where: {
        id: organizationId,
        bootstrapTokenHash: tokenHash,
        bootstrapDisabledAt: null,
        bootstrapExpiresAt: { gt: now },
      },
      data: { bootstrapTokenHash: null, bootstrapExpiresAt: null },
    });
    return count === 1;
  }
}
