import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/database/prisma.service';

@Injectable()
export class SessionsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: { organizationId: string; adminId: string; tokenHash: string; expiresAt: Date }) {
    return this.prisma.forOrganization(data.organizationId).adminSession.create({ data });
  }

  // Organization-less on purpose: the cookie is how a request learns its organization.
  findLiveByTokenHash(tokenHash: string, now: Date) {
    return this.prisma.adminSession.findFirst({
      where: { tokenHash, revokedAt: null, expiresAt: { gt: now } },
      include: { admin: { select: { id: true, email: true, role: true } } },
    });
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.adminSession.update({ where: { id }, data: { lastSeenAt: at } });
  }

  // True when a live session of this organization was revoked.
  async revoke(organizationId: string, id: string, at: Date): Promise<boolean> {
    const { count } = await this.prisma.forOrganization(organizationId).adminSession.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: at },
    });
    return count === 1;
  }

  async revokeAllOf(organizationId: string, adminId: string, at: Date): Promise<number> {
    const { count } = await this.prisma.forOrganization(organizationId).adminSession.updateMany({
      where: { adminId, revokedAt: null },
      data: { revokedAt: at },
    });
    return count;
  }

  listLive(organizationId: string, now: Date) {
    return this.prisma.forOrganization(organizationId).adminSession.findMany({
      where: { revokedAt: null, expiresAt: { gt: now } },
      include: { admin: { select: { id: true, email: true, role: true } } },
      orderBy: [{ lastSeenAt: 'desc' }, { id: 'asc' }],
    });
  }
}
