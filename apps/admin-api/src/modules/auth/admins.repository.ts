import { Injectable } from '@nestjs/common';
import { AdminRole } from '../../generated/prisma/enums';
import { PrismaService } from '../../platform/database/prisma.service';

@Injectable()
export class AdminsRepository {
  constructor(private readonly prisma: PrismaService) {}

  findById(organizationId: string, id: string) {
    return this.prisma.forOrganization(organizationId).admin.findUnique({ where: { id } });
  }

  list(organizationId: string) {
    return this.prisma
      .forOrganization(organizationId)
      .admin.findMany({ orderBy: [{ role: 'asc' }, { email: 'asc' }] });
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
}
