import { Injectable } from '@nestjs/common';
import { Organization, Prisma } from '../../generated/prisma/client';
import { faultOf } from '../../platform/database/faults';
import { PrismaService } from '../../platform/database/prisma.service';

@Injectable()
export class OrganizationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  count(): Promise<number> {
    return this.prisma.organization.count();
  }

  list(): Promise<Organization[]> {
    return this.prisma.organization.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<Organization | null> {
    return this.prisma.organization.findUnique({ where: { id } });
  }

  findBySlug(slug: string): Promise<Organization | null> {
    return this.prisma.organization.findUnique({ where: { slug } });
  }

  // Slugs that start with `base`, to pick the next free "acme-2".
  async slugsLike(base: string): Promise<string[]> {
    const rows = await this.prisma.organization.findMany({
      where: { slug: { startsWith: base } },
      select: { slug: true },
    });
    return rows.map((row) => row.slug);
  }

  async create(data: { name: string; slug: string }): Promise<Organization | null> {
    try {
      return await this.prisma.organization.create({ data });
    } catch (error) {
      // Another process took the slug between our check and insert: the caller picks another.
      if (faultOf(error) === 'unique') return null;
      throw error;
    }
  }

  rename(id: string, name: string): Promise<Organization> {
    return this.prisma.organization.update({ where: { id }, data: { name } });
  }

  setBootstrapToken(id: string, tokenHash: string, expiresAt: Date): Promise<Organization> {
    return this.prisma.organization.update({
      where: { id },
      data: { bootstrapTokenHash: tokenHash, bootstrapExpiresAt: expiresAt },
    });
  }

  reopenBootstrap(id: string): Promise<Organization> {
    return this.prisma.organization.update({ where: { id }, data: { bootstrapDisabledAt: null } });
  }

  // Consumes the bootstrap token: true for exactly one caller, and only while it is valid. One
  // UPDATE, so two simultaneous clicks can't both sign in.
  async consumeBootstrapToken(id: string, tokenHash: string, now: Date): Promise<boolean> {
    const { count } = await this.prisma.organization.updateMany({
      where: {
        id,
        bootstrapTokenHash: tokenHash,
        bootstrapDisabledAt: null,
        bootstrapExpiresAt: { gt: now },
      },
      data: { bootstrapTokenHash: null, bootstrapExpiresAt: null },
    });
    return count === 1;
  }

  // Closes the first-run path for good; true when this call is the one that closed it.
  async closeBootstrap(id: string, at: Date, tx?: Prisma.TransactionClient): Promise<boolean> {
    const { count } = await (tx ?? this.prisma).organization.updateMany({
      where: { id, bootstrapDisabledAt: null },
      data: { bootstrapDisabledAt: at, bootstrapTokenHash: null, bootstrapExpiresAt: null },
    });
    return count === 1;
  }
}
