import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../platform/database/prisma.service';

export interface ScimRefusalWrite {
  method: string;
  path: string;
  status: number;
  scimType: string | null;
  detail: string;
}

export interface ScimRefusalRecord extends ScimRefusalWrite {
  id: bigint;
  occurredAt: Date;
}

// Only database access to ScimRefusal.
@Injectable()
export class ScimRefusalsRepository {
  constructor(private readonly prisma: PrismaService) {}

  // Inserts the refusal and drops all but the organization's latest `keep`, in one statement (an
  // identity provider retrying a bad request forever keeps the table this small). The DELETE sees
  // the rows from before the INSERT (one snapshot): it keeps the newest `keep - 1` of those. Two
  // refusals recorded at once may each keep the other's predecessor, leaving one extra row until
  // the next refusal trims again: a bound, not an exact count, which is all a log view needs.
  async record(organizationId: string, refusal: ScimRefusalWrite, keep: number): Promise<void> {
    await this.prisma.$executeRaw`
      WITH inserted AS (
        INSERT INTO "ScimRefusal" ("organizationId", method, path, status, "scimType", detail)
        VALUES (${organizationId}::uuid, ${refusal.method}, ${refusal.path}, ${refusal.status},
                ${refusal.scimType}, ${refusal.detail})
        RETURNING id
      )
      DELETE FROM "ScimRefusal"
      WHERE "organizationId" = ${organizationId}::uuid
        AND id <= (
          SELECT id FROM "ScimRefusal" WHERE "organizationId" = ${organizationId}::uuid
          ORDER BY id DESC OFFSET ${keep - 1} LIMIT 1
        )`;
  }

  latest(organizationId: string, take: number): Promise<ScimRefusalRecord[]> {
    return this.prisma.forOrganization(organizationId).scimRefusal.findMany({
      orderBy: { id: 'desc' },
      take,
    });
  }
}
